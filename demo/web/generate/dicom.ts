/**
 * One slice as a DICOM Part 10 file (Explicit VR Little Endian, uncompressed, 16 bits allocated, 12 stored),
 * written with dcmjs from a naturalized dataset: the CT or MR Image IOD's identifying, patient, study, series,
 * frame of reference, image plane and image pixel attributes, and VOI defaults.
 */
import dcmjs from 'dcmjs';
import { COLUMNS, ROWS, frameOfReferenceUid, seriesUid, slicePlane, sopClassUid, sopUid, studyUid, type SeriesSpec, type StudySpec } from './catalogue.js';

const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';

const da = (iso: string): string => iso.slice(0, 10).replace(/-/g, '');
const tm = (iso: string): string => iso.slice(11, 19).replace(/:/g, '');

/** The bytes of slice `index` (0-based; Instance Number is index + 1). */
export function sliceFile(study: StudySpec, series: SeriesSpec, index: number, pixels: Uint16Array): Uint8Array {
  const plane = slicePlane(series, index);
  const ct = study.modality === 'CT';
  const dataset: Record<string, unknown> = {
    _meta: { TransferSyntaxUID: { Value: [EXPLICIT_VR_LITTLE_ENDIAN] } },
    _vrMap: { PixelData: 'OW' },
    SpecificCharacterSet: 'ISO_IR 192',
    ImageType: ['ORIGINAL', 'PRIMARY', 'AXIAL'],
    SOPClassUID: sopClassUid(study),
    SOPInstanceUID: sopUid(study, series, index),
    StudyDate: da(study.started),
    StudyTime: tm(study.started),
    SeriesDate: da(study.started),
    AccessionNumber: study.accession,
    Modality: study.modality,
    Manufacturer: 'fhir-offline-store demo phantom',
    StudyDescription: study.description,
    SeriesDescription: series.description,
    PatientName: `${study.patient.family}^${study.patient.given}`,
    PatientID: study.patient.mrn,
    PatientBirthDate: da(study.patient.birthDate),
    PatientSex: study.patient.gender === 'female' ? 'F' : 'M',
    SliceThickness: series.sliceSpacing,
    StudyInstanceUID: studyUid(study),
    SeriesInstanceUID: seriesUid(study, series),
    StudyID: study.accession.slice(-4),
    SeriesNumber: series.number,
    InstanceNumber: index + 1,
    ImagePositionPatient: plane.imagePositionPatient,
    ImageOrientationPatient: [...plane.rowCosines, ...plane.columnCosines],
    FrameOfReferenceUID: frameOfReferenceUid(study),
    PositionReferenceIndicator: '',
    SliceLocation: plane.imagePositionPatient[2],
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: ROWS,
    Columns: COLUMNS,
    PixelSpacing: [plane.rowPixelSpacing, plane.columnPixelSpacing],
    BitsAllocated: 16,
    BitsStored: 12,
    HighBit: 11,
    PixelRepresentation: 0,
    WindowCenter: series.windowCenter,
    WindowWidth: series.windowWidth,
    RescaleIntercept: ct ? -1024 : 0,
    RescaleSlope: 1,
    ...(ct ? { RescaleType: 'HU', KVP: 120 } : { MagneticFieldStrength: 1.5, ScanningSequence: 'SE', SequenceVariant: 'NONE', ScanOptions: '', MRAcquisitionType: '2D' }),
    PixelData: [pixels.buffer.slice(pixels.byteOffset, pixels.byteOffset + pixels.byteLength)],
  };
  return dcmjs.data.datasetToBuffer(dataset);
}
