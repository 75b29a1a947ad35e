package io.whisulbridge.support;

import io.quarkus.test.common.QuarkusTestResource;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The wired service's test set-up, on a {@code @QuarkusTest}: a real Kafka broker ({@link KafkaBrokerResource}) and the
 * scripted Whisul stand-in ({@link ScriptedWhisulResource}). Both apply to every Quarkus test
 * ({@code restrictToAnnotatedClass = false}), so test classes without a profile of their own share one started
 * service instead of restarting it per class.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@QuarkusTestResource(value = KafkaBrokerResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = ScriptedWhisulResource.class, restrictToAnnotatedClass = false)
public @interface WithBrokerAndWhisul {}
