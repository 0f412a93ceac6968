package org.fhirofflinestore.testserver;

import ca.uhn.fhir.batch2.jobs.bulkmodify.reindex.ReindexProvider;
import ca.uhn.fhir.batch2.jobs.export.BulkDataExportProvider;
import ca.uhn.fhir.batch2.maintenance.JobMaintenanceServiceImpl;
import ca.uhn.fhir.batch2.jobs.config.Batch2JobsConfig;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.model.HistoryCountModeEnum;
import ca.uhn.fhir.jpa.api.config.ThreadPoolFactoryConfig;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.batch2.JpaBatch2Config;
import ca.uhn.fhir.jpa.config.HapiJpaConfig;
import ca.uhn.fhir.jpa.config.r5.JpaR5Config;
import ca.uhn.fhir.jpa.config.util.HapiEntityManagerFactoryUtil;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.model.config.SubscriptionSettings;
import ca.uhn.fhir.jpa.model.entity.StorageSettings;
import ca.uhn.fhir.jpa.provider.InstanceReindexProvider;
import ca.uhn.fhir.jpa.provider.JpaCapabilityStatementProvider;
import ca.uhn.fhir.jpa.provider.JpaSystemProvider;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.jpa.subscription.channel.config.SubscriptionChannelConfig;
import ca.uhn.fhir.jpa.subscription.match.config.SubscriptionProcessorConfig;
import ca.uhn.fhir.jpa.subscription.match.config.WebsocketDispatcherConfig;
import ca.uhn.fhir.jpa.subscription.match.deliver.email.IEmailSender;
import ca.uhn.fhir.jpa.subscription.submit.config.SubscriptionSubmitterConfig;
import ca.uhn.fhir.jpa.topic.SubscriptionTopicConfig;
import ca.uhn.fhir.narrative2.NullNarrativeGenerator;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.server.IncomingRequestAddressStrategy;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.provider.ResourceProviderFactory;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import jakarta.persistence.EntityManagerFactory;
import java.util.Properties;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.elasticsearch.ElasticsearchClientAutoConfiguration;
import org.springframework.boot.autoconfigure.elasticsearch.ElasticsearchRestClientAutoConfiguration;
import org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration;
import org.springframework.boot.autoconfigure.orm.jpa.HibernateJpaAutoConfiguration;
import org.springframework.boot.autoconfigure.quartz.QuartzAutoConfiguration;
import org.springframework.boot.autoconfigure.thymeleaf.ThymeleafAutoConfiguration;
import org.springframework.boot.autoconfigure.orm.jpa.JpaProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;

/**
 * A HAPI FHIR JPA server for FHIR R5 on in-memory H2, used only as the remote end of the
 * fhir-offline-store sync tests (started by {@code scripts/hapi-server.mjs}).
 *
 * <p>It is a trimmed version of what hapi-fhir-jpaserver-starter wires up: the JPA core
 * ({@link JpaR5Config}, {@link HapiJpaConfig}), Batch2 (so {@code $reindex} and search-parameter
 * reindexing run), websocket subscriptions (R5 topics; HAPI's {@code bind <id>} protocol at {@code /websocket}), and
 * one {@link RestfulServer} at {@code /fhir/*}. No REST-hook or e-mail subscriptions, MDM, CR,
 * web UI or validation: they slow startup and no test uses them.
 *
 * <p>Every setting here is chosen for deterministic tests, not for production: searches are never
 * served from a cache, clients may assign any id, and references are not checked.
 */
@SpringBootApplication(
		exclude = {
			// HAPI brings its own entity manager factory (declared below).
			HibernateJpaAutoConfiguration.class,
			// On the classpath only through HAPI; each would start something unused (an Elasticsearch
			// client that polls localhost:9200, a second Quartz scheduler, a template engine, migrations).
			ElasticsearchRestClientAutoConfiguration.class,
			ElasticsearchClientAutoConfiguration.class,
			QuartzAutoConfiguration.class,
			ThymeleafAutoConfiguration.class,
			FlywayAutoConfiguration.class
		})
@EnableConfigurationProperties(JpaProperties.class)
@Import({
	JpaR5Config.class,
	HapiJpaConfig.class,
	ThreadPoolFactoryConfig.class,
	JpaBatch2Config.class,
	Batch2JobsConfig.class,
	SubscriptionChannelConfig.class,
	// Websocket subscriptions (R5 topics, HAPI's `bind <id>` protocol at /websocket): the server-push interop test.
	SubscriptionSubmitterConfig.class,
	SubscriptionProcessorConfig.class,
	SubscriptionTopicConfig.class,
	WebsocketDispatcherConfig.class
})
public class TestServerApplication {

	public static void main(String[] args) {
		SpringApplication.run(TestServerApplication.class, args);
	}

	/**
	 * The storage rules the tests depend on; each line says which behaviour it buys.
	 *
	 * @param theHSearchSearchParams {@code fhir-test-server.hsearch-search-params} (default false, as in HAPI
	 *     JPA): also index ordinary search parameters in Lucene, so that token {@code :text} matches {@code CodeableConcept.text}
	 *     even next to codings (from SQL it matches {@code Coding.display}, and the text only of a
	 *     concept without codings). HAPI then answers any search that Lucene can serve from Lucene, and
	 *     {@code $reindex} refreshes only the SQL indexes, so resources written before a SearchParameter
	 *     change keep their old Lucene entries. With false every search is served from SQL
	 *     ({@code _text}/{@code _content} keep working).
	 */
	@Bean
	public JpaStorageSettings storageSettings(
			JpaProperties theJpaProperties,
			@Value("${fhir-test-server.hsearch-search-params:false}") boolean theHSearchSearchParams) {
		JpaStorageSettings s = new JpaStorageSettings();
		// A search must see the write that preceded it: no reuse of cached result sets.
		s.setReuseCachedSearchResultsForMillis(null);
		// The default (CACHED_ONLY_WITHOUT_OFFSET) caches the total of a _history without _since for a
		// minute and cuts the pages at that stale total: writes made meanwhile go missing from the result.
		s.setHistoryCountMode(HistoryCountModeEnum.COUNT_ACCURATE);
		// PUT with a client id creates the resource, for any id (including purely numeric ones);
		// server-assigned ids are UUIDs so they can never collide with a client's numeric id.
		s.setResourceClientIdStrategy(JpaStorageSettings.ClientIdStrategyEnum.ANY);
		s.setResourceServerIdStrategy(JpaStorageSettings.IdStrategyEnum.UUID);
		// The store replicates resources in any order; dangling references must not be refused.
		s.setEnforceReferentialIntegrityOnWrite(false);
		s.setEnforceReferentialIntegrityOnDelete(false);
		s.setAllowExternalReferences(true);
		s.setDeleteEnabled(true);
		s.setAllowMultipleDelete(true);
		s.setExpungeEnabled(true);
		s.setDeleteExpungeEnabled(true);
		// :missing needs explicit "missing" index rows; :contains is off by default in HAPI.
		s.setIndexMissingFields(StorageSettings.IndexEnabledEnum.ENABLED);
		s.setAllowContainsSearches(true);
		// A SearchParameter with the code of a built-in one replaces it (default true; made explicit).
		s.setDefaultSearchParamsCanBeOverridden(true);
		s.setMarkResourcesForReindexingUponSearchParameterChange(true);
		// Batch2 jobs ($reindex, the reindex a SearchParameter change starts) advance one step per
		// minute-long maintenance pass by default; fast tracking moves small jobs on at once.
		s.setJobFastTrackingEnabled(true);
		// Bulk export (Batch2 job writing NDJSON Binary resources); on by default in HAPI, made explicit.
		s.setEnableTaskBulkExportJobExecution(true);
		s.setFetchSizeDefaultMaximum(10_000);
		// Full text (_text, _content) and Lucene search indexes need Hibernate Search, which
		// application.yaml switches on; follow that switch.
		boolean hsearch = Boolean.parseBoolean(
				theJpaProperties.getProperties().getOrDefault("hibernate.search.enabled", "false"));
		s.setHibernateSearchIndexFullText(hsearch);
		s.setHibernateSearchIndexSearchParams(hsearch && theHSearchSearchParams);
		return s;
	}

	/**
	 * Batch2 maintenance every second instead of every minute. A job (a bulk {@code $export}, a {@code $reindex})
	 * waits QUEUED until a maintenance pass starts it; fast tracking then moves a small job through its steps at
	 * once. With HAPI's default the first pass comes up to a minute after the kick-off, so an export of three
	 * resources takes a minute; with this it takes about a second. Set before {@code scheduleJobs} reads it.
	 */
	@Bean
	public static BeanPostProcessor batch2MaintenanceEverySecond(
			@Value("${fhir-test-server.batch2-maintenance-millis:1000}") long theMillis) {
		return new BeanPostProcessor() {
			@Override
			public Object postProcessBeforeInitialization(Object theBean, String theBeanName) {
				if (theBean instanceof JobMaintenanceServiceImpl maintenance) maintenance.setScheduledJobFrequencyMillis(theMillis);
				return theBean;
			}
		};
	}

	/** The subscription processor asks for an e-mail sender; e-mail subscriptions are not supported here. */
	@Bean
	public IEmailSender emailSender() {
		return theDetails -> {
			throw new UnsupportedOperationException("e-mail subscriptions are not enabled on this test server");
		};
	}

	@Bean
	public PartitionSettings partitionSettings() {
		return new PartitionSettings();
	}

	@Bean
	public SubscriptionSettings subscriptionSettings() {
		SubscriptionSettings s = new SubscriptionSettings();
		// The only channel the tests use: HAPI's websocket endpoint (/websocket), `bind <id>` then `ping <id>`.
		s.addSupportedSubscriptionType(org.hl7.fhir.dstu2.model.Subscription.SubscriptionChannelType.WEBSOCKET);
		return s;
	}

	/**
	 * HAPI's own entity manager factory (it registers HAPI's Hibernate hooks), fed with the
	 * {@code spring.jpa.properties} of application.yaml because Boot's JPA auto-configuration is off.
	 */
	@Primary
	@Bean
	public LocalContainerEntityManagerFactoryBean entityManagerFactory(
			DataSource theDataSource,
			ConfigurableListableBeanFactory theBeanFactory,
			FhirContext theFhirContext,
			JpaStorageSettings theStorageSettings,
			JpaProperties theJpaProperties) {
		LocalContainerEntityManagerFactoryBean retVal =
				HapiEntityManagerFactoryUtil.newEntityManagerFactory(theBeanFactory, theFhirContext, theStorageSettings);
		retVal.setPersistenceUnitName("HAPI_PU");
		retVal.setDataSource(theDataSource);
		Properties props = new Properties();
		props.putAll(theJpaProperties.getProperties());
		retVal.setJpaProperties(props);
		return retVal;
	}

	@Primary
	@Bean
	public JpaTransactionManager transactionManager(EntityManagerFactory theEntityManagerFactory) {
		return new JpaTransactionManager(theEntityManagerFactory);
	}

	/** The FHIR REST endpoint: every resource type, the system level (transaction, _history), $reindex. */
	@Bean
	public RestfulServer restfulServer(
			IFhirSystemDao<?, ?> theSystemDao,
			ResourceProviderFactory theResourceProviderFactory,
			JpaSystemProvider<?, ?> theSystemProvider,
			JpaStorageSettings theStorageSettings,
			ISearchParamRegistry theSearchParamRegistry,
			IValidationSupport theValidationSupport,
			DatabaseBackedPagingProvider thePagingProvider,
			ObjectProvider<ReindexProvider> theReindexProvider,
			InstanceReindexProvider theInstanceReindexProvider,
			BulkDataExportProvider theBulkDataExportProvider) {
		FhirContext ctx = theSystemDao.getContext();
		// Narratives are not generated: the tests compare resources and want them as sent.
		ctx.setNarrativeGenerator(new NullNarrativeGenerator());

		RestfulServer server = new RestfulServer(ctx);
		server.registerProviders(theResourceProviderFactory.createProviders());
		server.registerProvider(theSystemProvider);
		// $reindex (type/system level, a Batch2 job) and instance $reindex / $reindex-dryrun (synchronous).
		theReindexProvider.ifAvailable(server::registerProvider);
		server.registerProvider(theInstanceReindexProvider);
		// Bulk Data $export (system, Patient and Group level) and $export-poll-status: a Batch2 job that writes
		// NDJSON files as Binary resources, read back at [base]/Binary/[id] (the first-sync interop test).
		server.registerProvider(theBulkDataExportProvider);

		JpaCapabilityStatementProvider capabilities = new JpaCapabilityStatementProvider(
				server, theSystemDao, theStorageSettings, theSearchParamRegistry, theValidationSupport);
		capabilities.setImplementationDescription("fhir-offline-store test server (HAPI FHIR JPA, R5, H2)");
		server.setServerConformanceProvider(capabilities);

		thePagingProvider.setDefaultPageSize(50);
		thePagingProvider.setMaximumPageSize(1000);
		server.setPagingProvider(thePagingProvider);

		server.setDefaultResponseEncoding(EncodingEnum.JSON);
		server.setServerAddressStrategy(new IncomingRequestAddressStrategy());
		return server;
	}

	@Bean
	public ServletRegistrationBean<RestfulServer> fhirServlet(RestfulServer theRestfulServer) {
		ServletRegistrationBean<RestfulServer> reg = new ServletRegistrationBean<>(theRestfulServer, "/fhir/*");
		reg.setLoadOnStartup(1);
		return reg;
	}
}
