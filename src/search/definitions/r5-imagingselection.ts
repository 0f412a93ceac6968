import type { SearchParameter } from 'fhir/r5';
import { asSearchParameters } from './search-parameter-json.js';

/*
 * Data only. The 27 FHIR R5 (5.0.0) SearchParameters whose base contains ImagingSelection, Resource or
 * DomainResource, exactly as published (search-parameters.json of the R5 build, bundle lastUpdated
 * 2023-03-26T15:21:02.749+11:00): do not edit by hand. A module, not a JSON file read at run time, so it
 * also works in browsers. Project deviations live beside it (IMAGING_SELECTION_CODE below), never in here.
 */

/**
 * The R5 SearchParameters of ImagingSelection and the common ones (Resource/DomainResource), unmodified,
 * multi-resource expressions (clinical-code, clinical-identifier, clinical-patient) included whole.
 * @see https://hl7.org/fhir/R5/imagingselection.html#search
 * @see https://hl7.org/fhir/R5/resource.html#search
 */
export const R5_IMAGING_SELECTION_SEARCH_PARAMETERS: SearchParameter[] = asSearchParameters([
  {
    "resourceType": "SearchParameter",
    "id": "DomainResource-text",
    "extension": [
      {
        "url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status",
        "valueCode": "trial-use"
      }
    ],
    "url": "http://hl7.org/fhir/SearchParameter/DomainResource-text",
    "version": "5.0.0",
    "name": "_text",
    "status": "draft",
    "experimental": false,
    "date": "2023-03-26T15:21:02+11:00",
    "publisher": "Health Level Seven International (FHIR Infrastructure)",
    "contact": [
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://hl7.org/fhir"
          }
        ]
      },
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://www.hl7.org/Special/committees/fiwg/index.cfm"
          }
        ]
      }
    ],
    "description": "Search on the narrative of the resource",
    "jurisdiction": [
      {
        "coding": [
          {
            "system": "http://unstats.un.org/unsd/methods/m49/m49.htm",
            "code": "001",
            "display": "World"
          }
        ]
      }
    ],
    "code": "_text",
    "base": [
      "DomainResource"
    ],
    "type": "special",
    "processingMode": "normal"
  },
  {
    "resourceType": "SearchParameter",
    "id": "Resource-content",
    "extension": [
      {
        "url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status",
        "valueCode": "trial-use"
      }
    ],
    "url": "http://hl7.org/fhir/SearchParameter/Resource-content",
    "version": "5.0.0",
    "name": "_content",
    "status": "draft",
    "experimental": false,
    "date": "2023-03-26T15:21:02+11:00",
    "publisher": "Health Level Seven International (FHIR Infrastructure)",
    "contact": [
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://hl7.org/fhir"
          }
        ]
      },
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://www.hl7.org/Special/committees/fiwg/index.cfm"
          }
        ]
      }
    ],
    "description": "Search on the entire content of the resource",
    "jurisdiction": [
      {
        "coding": [
          {
            "system": "http://unstats.un.org/unsd/methods/m49/m49.htm",
            "code": "001",
            "display": "World"
          }
        ]
      }
    ],
    "code": "_content",
    "base": [
      "Resource"
    ],
    "type": "special",
    "processingMode": "normal"
  },
  {
    "resourceType": "SearchParameter",
    "id": "Resource-filter",
    "extension": [
      {
        "url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status",
        "valueCode": "trial-use"
      }
    ],
    "url": "http://hl7.org/fhir/SearchParameter/Resource-filter",
    "version": "5.0.0",
    "name": "_filter",
    "status": "draft",
    "experimental": false,
    "date": "2023-03-26T15:21:02+11:00",
    "publisher": "Health Level Seven International (FHIR Infrastructure)",
    "contact": [
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://hl7.org/fhir"
          }
        ]
      },
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://www.hl7.org/Special/committees/fiwg/index.cfm"
          }
        ]
      }
    ],
    "description": "Filter search parameter which supports a more sophisticated grammar for searching. See [documentation](search_filter.html) for further details",
    "jurisdiction": [
      {
        "coding": [
          {
            "system": "http://unstats.un.org/unsd/methods/m49/m49.htm",
            "code": "001",
            "display": "World"
          }
        ]
      }
    ],
    "code": "_filter",
    "base": [
      "Resource"
    ],
    "type": "special"
  },
  {
    "resourceType": "SearchParameter",
    "id": "Resource-has",
    "extension": [
      {
        "url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status",
        "valueCode": "trial-use"
      }
    ],
    "url": "http://hl7.org/fhir/SearchParameter/Resource-has",
    "version": "5.0.0",
    "name": "_has",
    "status": "draft",
    "experimental": false,
    "date": "2023-03-26T15:21:02+11:00",
    "publisher": "Health Level Seven International (FHIR Infrastructure)",
    "contact": [
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://hl7.org/fhir"
          }
        ]
      },
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://www.hl7.org/Special/committees/fiwg/index.cfm"
          }
        ]
      }
    ],
    "description": "Provides limited support for reverse chaining - that is, selecting resources based on the properties of resources that refer to them (instead of chaining where resources can be selected based on the properties of resources that they refer to). See the FHIR search page for further documentation",
    "jurisdiction": [
      {
        "coding": [
          {
            "system": "http://unstats.un.org/unsd/methods/m49/m49.htm",
            "code": "001",
            "display": "World"
          }
        ]
      }
    ],
    "code": "_has",
    "base": [
      "Resource"
    ],
    "type": "special",
    "processingMode": "other"
  },
  {
    "resourceType": "SearchParameter",
    "id": "Resource-id",
    "extension": [
      {
        "url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status",
        "valueCode": "normative"
      }
    ],
    "url": "http://hl7.org/fhir/SearchParameter/Resource-id",
    "version": "5.0.0",
    "name": "_id",
    "status": "active",
    "experimental": false,
    "date": "2023-03-26T15:21:02+11:00",
    "publisher": "Health Level Seven International (FHIR Infrastructure)",
    "contact": [
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://hl7.org/fhir"
          }
        ]
      },
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://www.hl7.org/Special/committees/fiwg/index.cfm"
          }
        ]
      }
    ],
    "description": "Logical id of this artifact",
    "jurisdiction": [
      {
        "coding": [
          {
            "system": "http://unstats.un.org/unsd/methods/m49/m49.htm",
            "code": "001",
            "display": "World"
          }
        ]
      }
    ],
    "code": "_id",
    "base": [
      "Resource"
    ],
    "type": "token",
    "expression": "Resource.id",
    "processingMode": "normal"
  },
  {
    "resourceType": "SearchParameter",
    "id": "Resource-in",
    "extension": [
      {
        "url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status",
        "valueCode": "trial-use"
      }
    ],
    "url": "http://hl7.org/fhir/SearchParameter/Resource-in",
    "version": "5.0.0",
    "name": "_in",
    "status": "draft",
    "experimental": false,
    "date": "2023-03-26T15:21:02+11:00",
    "publisher": "Health Level Seven International (FHIR Infrastructure)",
    "contact": [
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://hl7.org/fhir"
          }
        ]
      },
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://www.hl7.org/Special/committees/fiwg/index.cfm"
          }
        ]
      }
    ],
    "description": "Allows for the retrieval of resources that are active members of a CareTeam, Group, or List",
    "jurisdiction": [
      {
        "coding": [
          {
            "system": "http://unstats.un.org/unsd/methods/m49/m49.htm",
            "code": "001",
            "display": "World"
          }
        ]
      }
    ],
    "code": "_in",
    "base": [
      "Resource"
    ],
    "type": "reference",
    "expression": "Resource.id",
    "processingMode": "other"
  },
  {
    "resourceType": "SearchParameter",
    "id": "Resource-language",
    "extension": [
      {
        "url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status",
        "valueCode": "trial-use"
      }
    ],
    "url": "http://hl7.org/fhir/SearchParameter/Resource-language",
    "version": "5.0.0",
    "name": "_language",
    "status": "draft",
    "experimental": false,
    "date": "2023-03-26T15:21:02+11:00",
    "publisher": "Health Level Seven International (FHIR Infrastructure)",
    "contact": [
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://hl7.org/fhir"
          }
        ]
      },
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://www.hl7.org/Special/committees/fiwg/index.cfm"
          }
        ]
      }
    ],
    "description": "Language of the resource content",
    "jurisdiction": [
      {
        "coding": [
          {
            "system": "http://unstats.un.org/unsd/methods/m49/m49.htm",
            "code": "001",
            "display": "World"
          }
        ]
      }
    ],
    "code": "_language",
    "base": [
      "Resource"
    ],
    "type": "token",
    "expression": "Resource.language",
    "processingMode": "normal"
  },
  {
    "resourceType": "SearchParameter",
    "id": "Resource-lastUpdated",
    "extension": [
      {
        "url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status",
        "valueCode": "normative"
      }
    ],
    "url": "http://hl7.org/fhir/SearchParameter/Resource-lastUpdated",
    "version": "5.0.0",
    "name": "_lastUpdated",
    "status": "active",
    "experimental": false,
    "date": "2023-03-26T15:21:02+11:00",
    "publisher": "Health Level Seven International (FHIR Infrastructure)",
    "contact": [
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://hl7.org/fhir"
          }
        ]
      },
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://www.hl7.org/Special/committees/fiwg/index.cfm"
          }
        ]
      }
    ],
    "description": "When the resource version last changed",
    "jurisdiction": [
      {
        "coding": [
          {
            "system": "http://unstats.un.org/unsd/methods/m49/m49.htm",
            "code": "001",
            "display": "World"
          }
        ]
      }
    ],
    "code": "_lastUpdated",
    "base": [
      "Resource"
    ],
    "type": "date",
    "expression": "Resource.meta.lastUpdated",
    "processingMode": "normal",
    "comparator": [
      "eq",
      "ne",
      "gt",
      "ge",
      "lt",
      "le",
      "sa",
      "eb",
      "ap"
    ]
  },
  {
    "resourceType": "SearchParameter",
    "id": "Resource-list",
    "extension": [
      {
        "url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status",
        "valueCode": "trial-use"
      }
    ],
    "url": "http://hl7.org/fhir/SearchParameter/Resource-list",
    "version": "5.0.0",
    "name": "_list",
    "status": "draft",
    "experimental": false,
    "date": "2023-03-26T15:21:02+11:00",
    "publisher": "Health Level Seven International (FHIR Infrastructure)",
    "contact": [
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://hl7.org/fhir"
          }
        ]
      },
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://www.hl7.org/Special/committees/fiwg/index.cfm"
          }
        ]
      }
    ],
    "description": "Allows for the retrieval of resources that are referenced by a List resource or by one of the pre-defined functional lists",
    "jurisdiction": [
      {
        "coding": [
          {
            "system": "http://unstats.un.org/unsd/methods/m49/m49.htm",
            "code": "001",
            "display": "World"
          }
        ]
      }
    ],
    "code": "_list",
    "base": [
      "Resource"
    ],
    "type": "special",
    "processingMode": "normal"
  },
  {
    "resourceType": "SearchParameter",
    "id": "Resource-profile",
    "extension": [
      {
        "url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status",
        "valueCode": "normative"
      }
    ],
    "url": "http://hl7.org/fhir/SearchParameter/Resource-profile",
    "version": "5.0.0",
    "name": "_profile",
    "status": "active",
    "experimental": false,
    "date": "2023-03-26T15:21:02+11:00",
    "publisher": "Health Level Seven International (FHIR Infrastructure)",
    "contact": [
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://hl7.org/fhir"
          }
        ]
      },
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://www.hl7.org/Special/committees/fiwg/index.cfm"
          }
        ]
      }
    ],
    "description": "Profiles this resource claims to conform to",
    "jurisdiction": [
      {
        "coding": [
          {
            "system": "http://unstats.un.org/unsd/methods/m49/m49.htm",
            "code": "001",
            "display": "World"
          }
        ]
      }
    ],
    "code": "_profile",
    "base": [
      "Resource"
    ],
    "type": "reference",
    "expression": "Resource.meta.profile",
    "processingMode": "normal",
    "target": [
      "StructureDefinition"
    ]
  },
  {
    "resourceType": "SearchParameter",
    "id": "Resource-query",
    "extension": [
      {
        "url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status",
        "valueCode": "trial-use"
      }
    ],
    "url": "http://hl7.org/fhir/SearchParameter/Resource-query",
    "version": "5.0.0",
    "name": "_query",
    "status": "draft",
    "experimental": false,
    "date": "2023-03-26T15:21:02+11:00",
    "publisher": "Health Level Seven International (FHIR Infrastructure)",
    "contact": [
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://hl7.org/fhir"
          }
        ]
      },
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://www.hl7.org/Special/committees/fiwg/index.cfm"
          }
        ]
      }
    ],
    "description": "A custom search profile that describes a specific defined query operation",
    "jurisdiction": [
      {
        "coding": [
          {
            "system": "http://unstats.un.org/unsd/methods/m49/m49.htm",
            "code": "001",
            "display": "World"
          }
        ]
      }
    ],
    "code": "_query",
    "base": [
      "Resource"
    ],
    "type": "special",
    "processingMode": "normal"
  },
  {
    "resourceType": "SearchParameter",
    "id": "Resource-security",
    "extension": [
      {
        "url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status",
        "valueCode": "trial-use"
      }
    ],
    "url": "http://hl7.org/fhir/SearchParameter/Resource-security",
    "version": "5.0.0",
    "name": "_security",
    "status": "draft",
    "experimental": false,
    "date": "2023-03-26T15:21:02+11:00",
    "publisher": "Health Level Seven International (FHIR Infrastructure)",
    "contact": [
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://hl7.org/fhir"
          }
        ]
      },
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://www.hl7.org/Special/committees/fiwg/index.cfm"
          }
        ]
      }
    ],
    "description": "Security Labels applied to this resource",
    "jurisdiction": [
      {
        "coding": [
          {
            "system": "http://unstats.un.org/unsd/methods/m49/m49.htm",
            "code": "001",
            "display": "World"
          }
        ]
      }
    ],
    "code": "_security",
    "base": [
      "Resource"
    ],
    "type": "token",
    "expression": "Resource.meta.security",
    "processingMode": "normal"
  },
  {
    "resourceType": "SearchParameter",
    "id": "Resource-source",
    "extension": [
      {
        "url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status",
        "valueCode": "normative"
      }
    ],
    "url": "http://hl7.org/fhir/SearchParameter/Resource-source",
    "version": "5.0.0",
    "name": "_source",
    "status": "active",
    "experimental": false,
    "date": "2023-03-26T15:21:02+11:00",
    "publisher": "Health Level Seven International (FHIR Infrastructure)",
    "contact": [
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://hl7.org/fhir"
          }
        ]
      },
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://www.hl7.org/Special/committees/fiwg/index.cfm"
          }
        ]
      }
    ],
    "description": "Identifies where the resource comes from",
    "jurisdiction": [
      {
        "coding": [
          {
            "system": "http://unstats.un.org/unsd/methods/m49/m49.htm",
            "code": "001",
            "display": "World"
          }
        ]
      }
    ],
    "code": "_source",
    "base": [
      "Resource"
    ],
    "type": "uri",
    "expression": "Resource.meta.source",
    "processingMode": "normal"
  },
  {
    "resourceType": "SearchParameter",
    "id": "Resource-tag",
    "extension": [
      {
        "url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status",
        "valueCode": "trial-use"
      }
    ],
    "url": "http://hl7.org/fhir/SearchParameter/Resource-tag",
    "version": "5.0.0",
    "name": "_tag",
    "status": "draft",
    "experimental": false,
    "date": "2023-03-26T15:21:02+11:00",
    "publisher": "Health Level Seven International (FHIR Infrastructure)",
    "contact": [
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://hl7.org/fhir"
          }
        ]
      },
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://www.hl7.org/Special/committees/fiwg/index.cfm"
          }
        ]
      }
    ],
    "description": "Tags applied to this resource",
    "jurisdiction": [
      {
        "coding": [
          {
            "system": "http://unstats.un.org/unsd/methods/m49/m49.htm",
            "code": "001",
            "display": "World"
          }
        ]
      }
    ],
    "code": "_tag",
    "base": [
      "Resource"
    ],
    "type": "token",
    "expression": "Resource.meta.tag",
    "processingMode": "normal"
  },
  {
    "resourceType": "SearchParameter",
    "id": "Resource-text",
    "extension": [
      {
        "url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status",
        "valueCode": "trial-use"
      }
    ],
    "url": "http://hl7.org/fhir/SearchParameter/Resource-text",
    "version": "5.0.0",
    "name": "_text",
    "status": "draft",
    "experimental": false,
    "date": "2023-03-26T15:21:02+11:00",
    "publisher": "Health Level Seven International (FHIR Infrastructure)",
    "contact": [
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://hl7.org/fhir"
          }
        ]
      },
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://www.hl7.org/Special/committees/fiwg/index.cfm"
          }
        ]
      }
    ],
    "description": "Text search against the narrative",
    "jurisdiction": [
      {
        "coding": [
          {
            "system": "http://unstats.un.org/unsd/methods/m49/m49.htm",
            "code": "001",
            "display": "World"
          }
        ]
      }
    ],
    "code": "_text",
    "base": [
      "Resource"
    ],
    "type": "string",
    "processingMode": "normal"
  },
  {
    "resourceType": "SearchParameter",
    "id": "Resource-type",
    "extension": [
      {
        "url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status",
        "valueCode": "trial-use"
      }
    ],
    "url": "http://hl7.org/fhir/SearchParameter/Resource-type",
    "version": "5.0.0",
    "name": "_type",
    "status": "draft",
    "experimental": false,
    "date": "2023-03-26T15:21:02+11:00",
    "publisher": "Health Level Seven International (FHIR Infrastructure)",
    "contact": [
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://hl7.org/fhir"
          }
        ]
      },
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://www.hl7.org/Special/committees/fiwg/index.cfm"
          }
        ]
      }
    ],
    "description": "A resource type filter",
    "jurisdiction": [
      {
        "coding": [
          {
            "system": "http://unstats.un.org/unsd/methods/m49/m49.htm",
            "code": "001",
            "display": "World"
          }
        ]
      }
    ],
    "code": "_type",
    "base": [
      "Resource"
    ],
    "type": "special",
    "processingMode": "normal"
  },
  {
    "resourceType": "SearchParameter",
    "id": "clinical-identifier",
    "extension": [
      {
        "url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status",
        "valueCode": "trial-use"
      }
    ],
    "url": "http://hl7.org/fhir/SearchParameter/clinical-identifier",
    "version": "5.0.0",
    "name": "identifier",
    "status": "draft",
    "experimental": false,
    "date": "2023-03-26T15:21:02+11:00",
    "publisher": "Health Level Seven International (Patient Administration)",
    "contact": [
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://hl7.org/fhir"
          }
        ]
      },
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://www.hl7.org/Special/committees/pafm/index.cfm"
          }
        ]
      }
    ],
    "description": "Multiple Resources: \r\n\r\n* [Account](account.html): Account number\r\n* [AdverseEvent](adverseevent.html): Business identifier for the event\r\n* [AllergyIntolerance](allergyintolerance.html): External ids for this item\r\n* [Appointment](appointment.html): An Identifier of the Appointment\r\n* [AppointmentResponse](appointmentresponse.html): An Identifier in this appointment response\r\n* [Basic](basic.html): Business identifier\r\n* [BodyStructure](bodystructure.html): Bodystructure identifier\r\n* [CarePlan](careplan.html): External Ids for this plan\r\n* [CareTeam](careteam.html): External Ids for this team\r\n* [ChargeItem](chargeitem.html): Business Identifier for item\r\n* [Claim](claim.html): The primary identifier of the financial resource\r\n* [ClaimResponse](claimresponse.html): The identity of the ClaimResponse\r\n* [ClinicalImpression](clinicalimpression.html): Business identifier\r\n* [Communication](communication.html): Unique identifier\r\n* [CommunicationRequest](communicationrequest.html): Unique identifier\r\n* [Composition](composition.html): Version-independent identifier for the Composition\r\n* [Condition](condition.html): A unique identifier of the condition record\r\n* [Consent](consent.html): Identifier for this record (external references)\r\n* [Contract](contract.html): The identity of the contract\r\n* [Coverage](coverage.html): The primary identifier of the insured and the coverage\r\n* [CoverageEligibilityRequest](coverageeligibilityrequest.html): The business identifier of the Eligibility\r\n* [CoverageEligibilityResponse](coverageeligibilityresponse.html): The business identifier\r\n* [DetectedIssue](detectedissue.html): Unique id for the detected issue\r\n* [DeviceRequest](devicerequest.html): Business identifier for request/order\r\n* [DeviceUsage](deviceusage.html): Search by identifier\r\n* [DiagnosticReport](diagnosticreport.html): An identifier for the report\r\n* [DocumentReference](documentreference.html): Identifier of the attachment binary\r\n* [Encounter](encounter.html): Identifier(s) by which this encounter is known\r\n* [EnrollmentRequest](enrollmentrequest.html): The business identifier of the Enrollment\r\n* [EpisodeOfCare](episodeofcare.html): Business Identifier(s) relevant for this EpisodeOfCare\r\n* [ExplanationOfBenefit](explanationofbenefit.html): The business identifier of the Explanation of Benefit\r\n* [FamilyMemberHistory](familymemberhistory.html): A search by a record identifier\r\n* [Flag](flag.html): Business identifier\r\n* [Goal](goal.html): External Ids for this goal\r\n* [GuidanceResponse](guidanceresponse.html): The identifier of the guidance response\r\n* [ImagingSelection](imagingselection.html): Identifiers for the imaging selection\r\n* [ImagingStudy](imagingstudy.html): Identifiers for the Study, such as DICOM Study Instance UID\r\n* [Immunization](immunization.html): Business identifier\r\n* [ImmunizationEvaluation](immunizationevaluation.html): ID of the evaluation\r\n* [ImmunizationRecommendation](immunizationrecommendation.html): Business identifier\r\n* [Invoice](invoice.html): Business Identifier for item\r\n* [List](list.html): Business identifier\r\n* [MeasureReport](measurereport.html): External identifier of the measure report to be returned\r\n* [Medication](medication.html): Returns medications with this external identifier\r\n* [MedicationAdministration](medicationadministration.html): Return administrations with this external identifier\r\n* [MedicationDispense](medicationdispense.html): Returns dispenses with this external identifier\r\n* [MedicationRequest](medicationrequest.html): Return prescriptions with this external identifier\r\n* [MedicationStatement](medicationstatement.html): Return statements with this external identifier\r\n* [MolecularSequence](molecularsequence.html): The unique identity for a particular sequence\r\n* [NutritionIntake](nutritionintake.html): Return statements with this external identifier\r\n* [NutritionOrder](nutritionorder.html): Return nutrition orders with this external identifier\r\n* [Observation](observation.html): The unique id for a particular observation\r\n* [Person](person.html): A person Identifier\r\n* [Procedure](procedure.html): A unique identifier for a procedure\r\n* [QuestionnaireResponse](questionnaireresponse.html): The unique identifier for the questionnaire response\r\n* [RelatedPerson](relatedperson.html): An Identifier of the RelatedPerson\r\n* [RequestOrchestration](requestorchestration.html): External identifiers for the request orchestration\r\n* [ResearchSubject](researchsubject.html): Business Identifier for research subject in a study\r\n* [RiskAssessment](riskassessment.html): Unique identifier for the assessment\r\n* [ServiceRequest](servicerequest.html): Identifiers assigned to this order\r\n* [Specimen](specimen.html): The unique identifier associated with the specimen\r\n* [SupplyDelivery](supplydelivery.html): External identifier\r\n* [SupplyRequest](supplyrequest.html): Business Identifier for SupplyRequest\r\n* [Task](task.html): Search for a task instance by its business identifier\r\n* [VisionPrescription](visionprescription.html): Return prescriptions with this external identifier\r\n",
    "jurisdiction": [
      {
        "coding": [
          {
            "system": "http://unstats.un.org/unsd/methods/m49/m49.htm",
            "code": "001",
            "display": "World"
          }
        ]
      }
    ],
    "code": "identifier",
    "base": [
      "Account",
      "AdverseEvent",
      "AllergyIntolerance",
      "Appointment",
      "AppointmentResponse",
      "Basic",
      "BodyStructure",
      "CarePlan",
      "CareTeam",
      "ChargeItem",
      "Claim",
      "ClaimResponse",
      "ClinicalImpression",
      "Communication",
      "CommunicationRequest",
      "Composition",
      "Condition",
      "Consent",
      "Contract",
      "Coverage",
      "CoverageEligibilityRequest",
      "CoverageEligibilityResponse",
      "DetectedIssue",
      "DeviceRequest",
      "DeviceUsage",
      "DiagnosticReport",
      "DocumentReference",
      "Encounter",
      "EnrollmentRequest",
      "EpisodeOfCare",
      "ExplanationOfBenefit",
      "FamilyMemberHistory",
      "Flag",
      "Goal",
      "GuidanceResponse",
      "ImagingSelection",
      "ImagingStudy",
      "Immunization",
      "ImmunizationEvaluation",
      "ImmunizationRecommendation",
      "Invoice",
      "List",
      "MeasureReport",
      "Medication",
      "MedicationAdministration",
      "MedicationDispense",
      "MedicationRequest",
      "MedicationStatement",
      "MolecularSequence",
      "NutritionIntake",
      "NutritionOrder",
      "Observation",
      "Person",
      "Procedure",
      "QuestionnaireResponse",
      "RelatedPerson",
      "RequestOrchestration",
      "ResearchSubject",
      "RiskAssessment",
      "ServiceRequest",
      "Specimen",
      "SupplyDelivery",
      "SupplyRequest",
      "Task",
      "VisionPrescription"
    ],
    "_base": [
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      {
        "extension": [
          {
            "url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status",
            "valueCode": "normative"
          }
        ]
      },
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null
    ],
    "type": "token",
    "expression": "Account.identifier | AdverseEvent.identifier | AllergyIntolerance.identifier | Appointment.identifier | AppointmentResponse.identifier | Basic.identifier | BodyStructure.identifier | CarePlan.identifier | CareTeam.identifier | ChargeItem.identifier | Claim.identifier | ClaimResponse.identifier | ClinicalImpression.identifier | Communication.identifier | CommunicationRequest.identifier | Composition.identifier | Condition.identifier | Consent.identifier | Contract.identifier | Coverage.identifier | CoverageEligibilityRequest.identifier | CoverageEligibilityResponse.identifier | DetectedIssue.identifier | DeviceRequest.identifier | DeviceUsage.identifier | DiagnosticReport.identifier | DocumentReference.identifier | Encounter.identifier | EnrollmentRequest.identifier | EpisodeOfCare.identifier | ExplanationOfBenefit.identifier | FamilyMemberHistory.identifier | Flag.identifier | Goal.identifier | GuidanceResponse.identifier | ImagingSelection.identifier | ImagingStudy.identifier | Immunization.identifier | ImmunizationEvaluation.identifier | ImmunizationRecommendation.identifier | Invoice.identifier | List.identifier | MeasureReport.identifier | Medication.identifier | MedicationAdministration.identifier | MedicationDispense.identifier | MedicationRequest.identifier | MedicationStatement.identifier | MolecularSequence.identifier | NutritionIntake.identifier | NutritionOrder.identifier | Observation.identifier | Person.identifier | Procedure.identifier | QuestionnaireResponse.identifier | RelatedPerson.identifier | RequestOrchestration.identifier | ResearchSubject.identifier | RiskAssessment.identifier | ServiceRequest.identifier | Specimen.identifier | SupplyDelivery.identifier | SupplyRequest.identifier | Task.identifier | VisionPrescription.identifier",
    "processingMode": "normal"
  },
  {
    "resourceType": "SearchParameter",
    "id": "clinical-patient",
    "extension": [
      {
        "url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status",
        "valueCode": "trial-use"
      }
    ],
    "url": "http://hl7.org/fhir/SearchParameter/clinical-patient",
    "version": "5.0.0",
    "name": "patient",
    "status": "draft",
    "experimental": false,
    "date": "2023-03-26T15:21:02+11:00",
    "publisher": "Health Level Seven International (Patient Administration)",
    "contact": [
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://hl7.org/fhir"
          }
        ]
      },
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://www.hl7.org/Special/committees/pafm/index.cfm"
          }
        ]
      }
    ],
    "description": "Multiple Resources: \r\n\r\n* [Account](account.html): The entity that caused the expenses\r\n* [AdverseEvent](adverseevent.html): Subject impacted by event\r\n* [AllergyIntolerance](allergyintolerance.html): Who the sensitivity is for\r\n* [Appointment](appointment.html): One of the individuals of the appointment is this patient\r\n* [AppointmentResponse](appointmentresponse.html): This Response is for this Patient\r\n* [AuditEvent](auditevent.html): Where the activity involved patient data\r\n* [Basic](basic.html): Identifies the focus of this resource\r\n* [BodyStructure](bodystructure.html): Who this is about\r\n* [CarePlan](careplan.html): Who the care plan is for\r\n* [CareTeam](careteam.html): Who care team is for\r\n* [ChargeItem](chargeitem.html): Individual service was done for/to\r\n* [Claim](claim.html): Patient receiving the products or services\r\n* [ClaimResponse](claimresponse.html): The subject of care\r\n* [ClinicalImpression](clinicalimpression.html): Patient assessed\r\n* [Communication](communication.html): Focus of message\r\n* [CommunicationRequest](communicationrequest.html): Focus of message\r\n* [Composition](composition.html): Who and/or what the composition is about\r\n* [Condition](condition.html): Who has the condition?\r\n* [Consent](consent.html): Who the consent applies to\r\n* [Contract](contract.html): The identity of the subject of the contract (if a patient)\r\n* [Coverage](coverage.html): Retrieve coverages for a patient\r\n* [CoverageEligibilityRequest](coverageeligibilityrequest.html): The reference to the patient\r\n* [CoverageEligibilityResponse](coverageeligibilityresponse.html): The reference to the patient\r\n* [DetectedIssue](detectedissue.html): Associated patient\r\n* [DeviceRequest](devicerequest.html): Individual the service is ordered for\r\n* [DeviceUsage](deviceusage.html): Search by patient who used / uses the device\r\n* [DiagnosticReport](diagnosticreport.html): The subject of the report if a patient\r\n* [DocumentReference](documentreference.html): Who/what is the subject of the document\r\n* [Encounter](encounter.html): The patient present at the encounter\r\n* [EnrollmentRequest](enrollmentrequest.html): The party to be enrolled\r\n* [EpisodeOfCare](episodeofcare.html): The patient who is the focus of this episode of care\r\n* [ExplanationOfBenefit](explanationofbenefit.html): The reference to the patient\r\n* [FamilyMemberHistory](familymemberhistory.html): The identity of a subject to list family member history items for\r\n* [Flag](flag.html): The identity of a subject to list flags for\r\n* [Goal](goal.html): Who this goal is intended for\r\n* [GuidanceResponse](guidanceresponse.html): The identity of a patient to search for guidance response results\r\n* [ImagingSelection](imagingselection.html): Who the study is about\r\n* [ImagingStudy](imagingstudy.html): Who the study is about\r\n* [Immunization](immunization.html): The patient for the vaccination record\r\n* [ImmunizationEvaluation](immunizationevaluation.html): The patient being evaluated\r\n* [ImmunizationRecommendation](immunizationrecommendation.html): Who this profile is for\r\n* [Invoice](invoice.html): Recipient(s) of goods and services\r\n* [List](list.html): If all resources have the same subject\r\n* [MeasureReport](measurereport.html): The identity of a patient to search for individual measure report results for\r\n* [MedicationAdministration](medicationadministration.html): The identity of a patient to list administrations  for\r\n* [MedicationDispense](medicationdispense.html): The identity of a patient to list dispenses  for\r\n* [MedicationRequest](medicationrequest.html): Returns prescriptions for a specific patient\r\n* [MedicationStatement](medicationstatement.html): Returns statements for a specific patient.\r\n* [MolecularSequence](molecularsequence.html): The subject that the sequence is about\r\n* [NutritionIntake](nutritionintake.html): Returns statements for a specific patient.\r\n* [NutritionOrder](nutritionorder.html): The identity of the individual or set of individuals who requires the diet, formula or nutritional supplement\r\n* [Observation](observation.html): The subject that the observation is about (if patient)\r\n* [Person](person.html): The Person links to this Patient\r\n* [Procedure](procedure.html): Search by subject - a patient\r\n* [Provenance](provenance.html): Where the activity involved patient data\r\n* [QuestionnaireResponse](questionnaireresponse.html): The patient that is the subject of the questionnaire response\r\n* [RelatedPerson](relatedperson.html): The patient this related person is related to\r\n* [RequestOrchestration](requestorchestration.html): The identity of a patient to search for request orchestrations\r\n* [ResearchSubject](researchsubject.html): Who or what is part of study\r\n* [RiskAssessment](riskassessment.html): Who/what does assessment apply to?\r\n* [ServiceRequest](servicerequest.html): Search by subject - a patient\r\n* [Specimen](specimen.html): The patient the specimen comes from\r\n* [SupplyDelivery](supplydelivery.html): Patient for whom the item is supplied\r\n* [SupplyRequest](supplyrequest.html): The patient or subject for whom the supply is destined\r\n* [Task](task.html): Search by patient\r\n* [VisionPrescription](visionprescription.html): The identity of a patient to list dispenses for\r\n",
    "jurisdiction": [
      {
        "coding": [
          {
            "system": "http://unstats.un.org/unsd/methods/m49/m49.htm",
            "code": "001",
            "display": "World"
          }
        ]
      }
    ],
    "code": "patient",
    "base": [
      "Account",
      "AdverseEvent",
      "AllergyIntolerance",
      "Appointment",
      "AppointmentResponse",
      "AuditEvent",
      "Basic",
      "BodyStructure",
      "CarePlan",
      "CareTeam",
      "ChargeItem",
      "Claim",
      "ClaimResponse",
      "ClinicalImpression",
      "Communication",
      "CommunicationRequest",
      "Composition",
      "Condition",
      "Consent",
      "Contract",
      "Coverage",
      "CoverageEligibilityRequest",
      "CoverageEligibilityResponse",
      "DetectedIssue",
      "DeviceRequest",
      "DeviceUsage",
      "DiagnosticReport",
      "DocumentReference",
      "Encounter",
      "EnrollmentRequest",
      "EpisodeOfCare",
      "ExplanationOfBenefit",
      "FamilyMemberHistory",
      "Flag",
      "Goal",
      "GuidanceResponse",
      "ImagingSelection",
      "ImagingStudy",
      "Immunization",
      "ImmunizationEvaluation",
      "ImmunizationRecommendation",
      "Invoice",
      "List",
      "MeasureReport",
      "MedicationAdministration",
      "MedicationDispense",
      "MedicationRequest",
      "MedicationStatement",
      "MolecularSequence",
      "NutritionIntake",
      "NutritionOrder",
      "Observation",
      "Person",
      "Procedure",
      "Provenance",
      "QuestionnaireResponse",
      "RelatedPerson",
      "RequestOrchestration",
      "ResearchSubject",
      "RiskAssessment",
      "ServiceRequest",
      "Specimen",
      "SupplyDelivery",
      "SupplyRequest",
      "Task",
      "VisionPrescription"
    ],
    "_base": [
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      {
        "extension": [
          {
            "url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status",
            "valueCode": "normative"
          }
        ]
      },
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null
    ],
    "type": "reference",
    "expression": "Account.subject.where(resolve() is Patient) | AdverseEvent.subject.where(resolve() is Patient) | AllergyIntolerance.patient | Appointment.participant.actor.where(resolve() is Patient) | Appointment.subject.where(resolve() is Patient) | AppointmentResponse.actor.where(resolve() is Patient) | AuditEvent.patient | Basic.subject.where(resolve() is Patient) | BodyStructure.patient | CarePlan.subject.where(resolve() is Patient) | CareTeam.subject.where(resolve() is Patient) | ChargeItem.subject.where(resolve() is Patient) | Claim.patient | ClaimResponse.patient | ClinicalImpression.subject.where(resolve() is Patient) | Communication.subject.where(resolve() is Patient) | CommunicationRequest.subject.where(resolve() is Patient) | Composition.subject.where(resolve() is Patient) | Condition.subject.where(resolve() is Patient) | Consent.subject.where(resolve() is Patient) | Contract.subject.where(resolve() is Patient) | Coverage.beneficiary | CoverageEligibilityRequest.patient | CoverageEligibilityResponse.patient | DetectedIssue.subject.where(resolve() is Patient) | DeviceRequest.subject.where(resolve() is Patient) | DeviceUsage.patient | DiagnosticReport.subject.where(resolve() is Patient) | DocumentReference.subject.where(resolve() is Patient) | Encounter.subject.where(resolve() is Patient) | EnrollmentRequest.candidate | EpisodeOfCare.patient | ExplanationOfBenefit.patient | FamilyMemberHistory.patient | Flag.subject.where(resolve() is Patient) | Goal.subject.where(resolve() is Patient) | GuidanceResponse.subject.where(resolve() is Patient) | ImagingSelection.subject.where(resolve() is Patient) | ImagingStudy.subject.where(resolve() is Patient) | Immunization.patient | ImmunizationEvaluation.patient | ImmunizationRecommendation.patient | Invoice.subject.where(resolve() is Patient) | List.subject.where(resolve() is Patient) | MeasureReport.subject.where(resolve() is Patient) | MedicationAdministration.subject.where(resolve() is Patient) | MedicationDispense.subject.where(resolve() is Patient) | MedicationRequest.subject.where(resolve() is Patient) | MedicationStatement.subject.where(resolve() is Patient) | MolecularSequence.subject.where(resolve() is Patient) | NutritionIntake.subject.where(resolve() is Patient) | NutritionOrder.subject.where(resolve() is Patient) | Observation.subject.where(resolve() is Patient) | Person.link.target.where(resolve() is Patient) | Procedure.subject.where(resolve() is Patient) | Provenance.patient | QuestionnaireResponse.subject.where(resolve() is Patient) | RelatedPerson.patient | RequestOrchestration.subject.where(resolve() is Patient) | ResearchSubject.subject.where(resolve() is Patient) | RiskAssessment.subject.where(resolve() is Patient) | ServiceRequest.subject.where(resolve() is Patient) | Specimen.subject.where(resolve() is Patient) | SupplyDelivery.patient | SupplyRequest.deliverFor | Task.for.where(resolve() is Patient) | VisionPrescription.patient",
    "processingMode": "normal",
    "target": [
      "Patient"
    ]
  },
  {
    "resourceType": "SearchParameter",
    "id": "clinical-code",
    "extension": [
      {
        "url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status",
        "valueCode": "trial-use"
      }
    ],
    "url": "http://hl7.org/fhir/SearchParameter/clinical-code",
    "version": "5.0.0",
    "name": "code",
    "status": "draft",
    "experimental": false,
    "date": "2023-03-26T15:21:02+11:00",
    "publisher": "Health Level Seven International (Patient Care)",
    "contact": [
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://hl7.org/fhir"
          }
        ]
      },
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://www.hl7.org/Special/committees/patientcare/index.cfm"
          }
        ]
      }
    ],
    "description": "Multiple Resources: \r\n\r\n* [AdverseEvent](adverseevent.html): Event or incident that occurred or was averted\r\n* [AllergyIntolerance](allergyintolerance.html): Code that identifies the allergy or intolerance\r\n* [AuditEvent](auditevent.html): More specific code for the event\r\n* [Basic](basic.html): Kind of Resource\r\n* [ChargeItem](chargeitem.html): A code that identifies the charge, like a billing code\r\n* [Condition](condition.html): Code for the condition\r\n* [DetectedIssue](detectedissue.html): Issue Type, e.g. drug-drug, duplicate therapy, etc.\r\n* [DeviceRequest](devicerequest.html): Code for what is being requested/ordered\r\n* [DiagnosticReport](diagnosticreport.html): The code for the report, as opposed to codes for the atomic results, which are the names on the observation resource referred to from the result\r\n* [FamilyMemberHistory](familymemberhistory.html): A search by a condition code\r\n* [ImagingSelection](imagingselection.html): The imaging selection status\r\n* [List](list.html): What the purpose of this list is\r\n* [Medication](medication.html): Returns medications for a specific code\r\n* [MedicationAdministration](medicationadministration.html): Return administrations of this medication code\r\n* [MedicationDispense](medicationdispense.html): Returns dispenses of this medicine code\r\n* [MedicationRequest](medicationrequest.html): Return prescriptions of this medication code\r\n* [MedicationStatement](medicationstatement.html): Return statements of this medication code\r\n* [NutritionIntake](nutritionintake.html): Returns statements of this code of NutritionIntake\r\n* [Observation](observation.html): The code of the observation type\r\n* [Procedure](procedure.html): A code to identify a  procedure\r\n* [RequestOrchestration](requestorchestration.html): The code of the request orchestration\r\n* [Task](task.html): Search by task code\r\n",
    "jurisdiction": [
      {
        "coding": [
          {
            "system": "http://unstats.un.org/unsd/methods/m49/m49.htm",
            "code": "001",
            "display": "World"
          }
        ]
      }
    ],
    "code": "code",
    "base": [
      "AdverseEvent",
      "AllergyIntolerance",
      "AuditEvent",
      "Basic",
      "ChargeItem",
      "Condition",
      "DetectedIssue",
      "DeviceRequest",
      "DiagnosticReport",
      "FamilyMemberHistory",
      "ImagingSelection",
      "List",
      "Medication",
      "MedicationAdministration",
      "MedicationDispense",
      "MedicationRequest",
      "MedicationStatement",
      "NutritionIntake",
      "Observation",
      "Procedure",
      "RequestOrchestration",
      "Task"
    ],
    "_base": [
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      {
        "extension": [
          {
            "url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status",
            "valueCode": "normative"
          }
        ]
      },
      null,
      null,
      null
    ],
    "type": "token",
    "expression": "AdverseEvent.code | AllergyIntolerance.code | AllergyIntolerance.reaction.substance | AuditEvent.code | Basic.code | ChargeItem.code | Condition.code | DetectedIssue.code | DeviceRequest.code.concept | DiagnosticReport.code | FamilyMemberHistory.condition.code | ImagingSelection.status | List.code | Medication.code | MedicationAdministration.medication.concept | MedicationDispense.medication.concept | MedicationRequest.medication.concept | MedicationStatement.medication.concept | NutritionIntake.code | Observation.code | Procedure.code | RequestOrchestration.code | Task.code",
    "processingMode": "normal"
  },
  {
    "resourceType": "SearchParameter",
    "id": "ImagingSelection-based-on",
    "extension": [
      {
        "url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status",
        "valueCode": "trial-use"
      }
    ],
    "url": "http://hl7.org/fhir/SearchParameter/ImagingSelection-based-on",
    "version": "5.0.0",
    "name": "based-on",
    "status": "draft",
    "experimental": false,
    "date": "2023-03-26T15:21:02+11:00",
    "publisher": "Health Level Seven International (Imaging Integration)",
    "contact": [
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://hl7.org/fhir"
          }
        ]
      },
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://www.hl7.org/Special/committees/imagemgt/index.cfm"
          }
        ]
      }
    ],
    "description": "The request associated with an imaging selection",
    "jurisdiction": [
      {
        "coding": [
          {
            "system": "http://unstats.un.org/unsd/methods/m49/m49.htm",
            "code": "001",
            "display": "World"
          }
        ]
      }
    ],
    "code": "based-on",
    "base": [
      "ImagingSelection"
    ],
    "type": "reference",
    "expression": "ImagingSelection.basedOn",
    "processingMode": "normal",
    "target": [
      "Appointment",
      "ServiceRequest",
      "CarePlan",
      "Task",
      "AppointmentResponse"
    ]
  },
  {
    "resourceType": "SearchParameter",
    "id": "ImagingSelection-body-site",
    "extension": [
      {
        "url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status",
        "valueCode": "trial-use"
      }
    ],
    "url": "http://hl7.org/fhir/SearchParameter/ImagingSelection-body-site",
    "version": "5.0.0",
    "name": "body-site",
    "status": "draft",
    "experimental": false,
    "date": "2023-03-26T15:21:02+11:00",
    "publisher": "Health Level Seven International (Imaging Integration)",
    "contact": [
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://hl7.org/fhir"
          }
        ]
      },
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://www.hl7.org/Special/committees/imagemgt/index.cfm"
          }
        ]
      }
    ],
    "description": "The body site code associated with the imaging selection",
    "jurisdiction": [
      {
        "coding": [
          {
            "system": "http://unstats.un.org/unsd/methods/m49/m49.htm",
            "code": "001",
            "display": "World"
          }
        ]
      }
    ],
    "code": "body-site",
    "base": [
      "ImagingSelection"
    ],
    "type": "token",
    "expression": "ImagingSelection.bodySite.concept",
    "processingMode": "normal"
  },
  {
    "resourceType": "SearchParameter",
    "id": "ImagingSelection-body-structure",
    "extension": [
      {
        "url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status",
        "valueCode": "trial-use"
      }
    ],
    "url": "http://hl7.org/fhir/SearchParameter/ImagingSelection-body-structure",
    "version": "5.0.0",
    "name": "body-structure",
    "status": "draft",
    "experimental": false,
    "date": "2023-03-26T15:21:02+11:00",
    "publisher": "Health Level Seven International (Imaging Integration)",
    "contact": [
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://hl7.org/fhir"
          }
        ]
      },
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://www.hl7.org/Special/committees/imagemgt/index.cfm"
          }
        ]
      }
    ],
    "description": "The body structure associated with the imaging selection",
    "jurisdiction": [
      {
        "coding": [
          {
            "system": "http://unstats.un.org/unsd/methods/m49/m49.htm",
            "code": "001",
            "display": "World"
          }
        ]
      }
    ],
    "code": "body-structure",
    "base": [
      "ImagingSelection"
    ],
    "type": "reference",
    "expression": "ImagingSelection.bodySite.reference",
    "processingMode": "normal",
    "target": [
      "BodyStructure"
    ]
  },
  {
    "resourceType": "SearchParameter",
    "id": "ImagingSelection-derived-from",
    "extension": [
      {
        "url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status",
        "valueCode": "trial-use"
      }
    ],
    "url": "http://hl7.org/fhir/SearchParameter/ImagingSelection-derived-from",
    "version": "5.0.0",
    "name": "derived-from",
    "status": "draft",
    "experimental": false,
    "date": "2023-03-26T15:21:02+11:00",
    "publisher": "Health Level Seven International (Imaging Integration)",
    "contact": [
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://hl7.org/fhir"
          }
        ]
      },
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://www.hl7.org/Special/committees/imagemgt/index.cfm"
          }
        ]
      }
    ],
    "description": "The imaging study from which the imaging selection was derived",
    "jurisdiction": [
      {
        "coding": [
          {
            "system": "http://unstats.un.org/unsd/methods/m49/m49.htm",
            "code": "001",
            "display": "World"
          }
        ]
      }
    ],
    "code": "derived-from",
    "base": [
      "ImagingSelection"
    ],
    "type": "reference",
    "expression": "ImagingSelection.derivedFrom",
    "processingMode": "normal",
    "target": [
      "ImagingStudy",
      "DocumentReference"
    ]
  },
  {
    "resourceType": "SearchParameter",
    "id": "ImagingSelection-issued",
    "extension": [
      {
        "url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status",
        "valueCode": "trial-use"
      }
    ],
    "url": "http://hl7.org/fhir/SearchParameter/ImagingSelection-issued",
    "version": "5.0.0",
    "name": "issued",
    "status": "draft",
    "experimental": false,
    "date": "2023-03-26T15:21:02+11:00",
    "publisher": "Health Level Seven International (Imaging Integration)",
    "contact": [
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://hl7.org/fhir"
          }
        ]
      },
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://www.hl7.org/Special/committees/imagemgt/index.cfm"
          }
        ]
      }
    ],
    "description": "The date / time the imaging selection was created",
    "jurisdiction": [
      {
        "coding": [
          {
            "system": "http://unstats.un.org/unsd/methods/m49/m49.htm",
            "code": "001",
            "display": "World"
          }
        ]
      }
    ],
    "code": "issued",
    "base": [
      "ImagingSelection"
    ],
    "type": "date",
    "expression": "ImagingSelection.issued",
    "processingMode": "normal",
    "comparator": [
      "eq",
      "ne",
      "gt",
      "ge",
      "lt",
      "le",
      "sa",
      "eb",
      "ap"
    ]
  },
  {
    "resourceType": "SearchParameter",
    "id": "ImagingSelection-status",
    "extension": [
      {
        "url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status",
        "valueCode": "trial-use"
      }
    ],
    "url": "http://hl7.org/fhir/SearchParameter/ImagingSelection-status",
    "version": "5.0.0",
    "name": "status",
    "status": "draft",
    "experimental": false,
    "date": "2023-03-26T15:21:02+11:00",
    "publisher": "Health Level Seven International (Imaging Integration)",
    "contact": [
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://hl7.org/fhir"
          }
        ]
      },
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://www.hl7.org/Special/committees/imagemgt/index.cfm"
          }
        ]
      }
    ],
    "description": "The status of the imaging selection",
    "jurisdiction": [
      {
        "coding": [
          {
            "system": "http://unstats.un.org/unsd/methods/m49/m49.htm",
            "code": "001",
            "display": "World"
          }
        ]
      }
    ],
    "code": "status",
    "base": [
      "ImagingSelection"
    ],
    "type": "token",
    "expression": "ImagingSelection.status",
    "processingMode": "normal"
  },
  {
    "resourceType": "SearchParameter",
    "id": "ImagingSelection-study-uid",
    "extension": [
      {
        "url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status",
        "valueCode": "trial-use"
      }
    ],
    "url": "http://hl7.org/fhir/SearchParameter/ImagingSelection-study-uid",
    "version": "5.0.0",
    "name": "study-uid",
    "status": "draft",
    "experimental": false,
    "date": "2023-03-26T15:21:02+11:00",
    "publisher": "Health Level Seven International (Imaging Integration)",
    "contact": [
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://hl7.org/fhir"
          }
        ]
      },
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://www.hl7.org/Special/committees/imagemgt/index.cfm"
          }
        ]
      }
    ],
    "description": "The DICOM Study Instance UID from which the images were selected",
    "jurisdiction": [
      {
        "coding": [
          {
            "system": "http://unstats.un.org/unsd/methods/m49/m49.htm",
            "code": "001",
            "display": "World"
          }
        ]
      }
    ],
    "code": "study-uid",
    "base": [
      "ImagingSelection"
    ],
    "type": "token",
    "expression": "ImagingSelection.studyUid",
    "processingMode": "normal"
  },
  {
    "resourceType": "SearchParameter",
    "id": "ImagingSelection-subject",
    "extension": [
      {
        "url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status",
        "valueCode": "trial-use"
      }
    ],
    "url": "http://hl7.org/fhir/SearchParameter/ImagingSelection-subject",
    "version": "5.0.0",
    "name": "subject",
    "status": "draft",
    "experimental": false,
    "date": "2023-03-26T15:21:02+11:00",
    "publisher": "Health Level Seven International (Imaging Integration)",
    "contact": [
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://hl7.org/fhir"
          }
        ]
      },
      {
        "telecom": [
          {
            "system": "url",
            "value": "http://www.hl7.org/Special/committees/imagemgt/index.cfm"
          }
        ]
      }
    ],
    "description": "The subject of the Imaging Selection, such as the associated Patient",
    "jurisdiction": [
      {
        "coding": [
          {
            "system": "http://unstats.un.org/unsd/methods/m49/m49.htm",
            "code": "001",
            "display": "World"
          }
        ]
      }
    ],
    "code": "subject",
    "base": [
      "ImagingSelection"
    ],
    "type": "reference",
    "expression": "ImagingSelection.subject",
    "processingMode": "normal",
    "target": [
      "Device",
      "Organization",
      "Procedure",
      "Group",
      "Practitioner",
      "Specimen",
      "Substance",
      "Location",
      "Patient",
      "Medication"
    ]
  }
]);

/**
 * Project erratum (docs/architecture.md, "Known quirks of the standard"): R5 defines ImagingSelection's `code` through clinical-code,
 * whose ImagingSelection branch is `ImagingSelection.status`, a mistake in the published bundle (the
 * description in the same bundle says "The imaging selection status", and `status` has its own parameter).
 * This store searches `ImagingSelection.code` instead. It is a separate SearchParameter, with its own URL,
 * rather than an edited copy of clinical-code: the R5 data above stays verbatim, the deviation is visible, and
 * a user can register the published definition instead. Being specific to ImagingSelection, it takes
 * precedence over the multi-resource clinical-code for ImagingSelection (see builtInParametersFor).
 * @see https://hl7.org/fhir/R5/imagingselection-definitions.html#ImagingSelection.code
 */
export const IMAGING_SELECTION_CODE: SearchParameter = asSearchParameters([
  {
    resourceType: 'SearchParameter',
    id: 'ImagingSelection-code',
    url: 'http://fhir-offline-store.dev/SearchParameter/ImagingSelection-code',
    version: '5.0.0',
    name: 'code',
    status: 'active',
    experimental: false,
    publisher: 'fhir-offline-store',
    description: 'The imaging selection code (ImagingSelection.code; replaces the R5 clinical-code branch ImagingSelection.status)',
    code: 'code',
    base: ['ImagingSelection'],
    type: 'token',
    expression: 'ImagingSelection.code',
    processingMode: 'normal',
  },
])[0]!;
