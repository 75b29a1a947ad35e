package io.whisulbridge.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.whisulbridge.support.WithBrokerAndWhisul;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithBrokerAndWhisul
class MutinyCallbacksIT {

    @Test
    void theRunningServiceLeavesMutinyCallbacksUnwrapped() {
        Function<String, Integer> callback = String::length;

        assertThat(Infrastructure.decorate(callback)).isSameAs(callback);
    }
}
