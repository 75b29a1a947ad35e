package io.whisulbridge.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Starts a {@link ScriptedWhisul}, points the service at it, and compresses Whisul's minutes into test time:
 * polls every 100-300 ms, a 4 s job deadline, 1 s request timeout, retries within a few hundred ms.
 */
public class ScriptedWhisulResource implements QuarkusTestResourceLifecycleManager {

    private ScriptedWhisul whisul;

    @Override
    public Map<String, String> start() {
        whisul = ScriptedWhisul.start();
        return Map.ofEntries(
                Map.entry("whisul.base-url", whisul.baseUrl()),
                Map.entry("whisul.api-key", ScriptedWhisul.KEY),
                Map.entry("whisul.poll-initial-delay", "100ms"),
                Map.entry("whisul.poll-interval", "100ms"),
                Map.entry("whisul.poll-max-interval", "300ms"),
                Map.entry("whisul.job-max-wait", "4s"),
                Map.entry("whisul.request-timeout", "1s"),
                Map.entry("whisul.max-retries", "3"),
                Map.entry("whisul.retry-initial-backoff", "50ms"),
                Map.entry("whisul.retry-max-backoff", "2s"),
                Map.entry("whisul.auth-recheck-interval", "300ms"),
                // the account-wide budget is tested on its own; elsewhere it must not be what a test measures
                Map.entry("whisul.max-requests-per-second", "5000"),
                Map.entry("bridge.publish-retry-backoff", "200ms"));
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(
                whisul, new TestInjector.AnnotatedAndMatchesType(InjectWhisul.class, ScriptedWhisul.class));
    }

    @Override
    public void stop() {
        if (whisul != null) {
            whisul.close();
        }
    }
}
