package io.whisulbridge.config;

import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.whisulbridge.support.WithBrokerAndWhisul;
import org.junit.jupiter.api.Test;

import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

@QuarkusTest
@WithBrokerAndWhisul
class MutinyCallbacksIT {

    @Test
    void theRunningServiceLeavesMutinyCallbacksUnwrapped() {
        Function<String, Integer> callback = String::length;

        assertThat(Infrastructure.decorate(callback)).isSameAs(callback);
    }
}
