package io.whisulbridge.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.whisulbridge.domain.PromptEvent;
import org.junit.jupiter.api.Test;

class LedgerEntryTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static LedgerEntry intent(String callbackUrl) {
        return new LedgerEntry(
                "r-1",
                LedgerEntry.State.INTENT,
                null,
                "a prompt",
                null,
                null,
                null,
                null,
                "2026-11-29T10:00:00Z",
                null,
                null,
                null,
                null,
                callbackUrl,
                null);
    }

    @Test
    void aResumedJobKeepsItsCallbackUrlSoItsOutcomeIsStillDelivered() throws Exception {
        LedgerEntry read = JSON.readValue(JSON.writeValueAsString(intent("https://h.example/cb")), LedgerEntry.class);

        assertThat(read.event()).isEqualTo(new PromptEvent("r-1", "a prompt", null, null, "https://h.example/cb"));
    }

    @Test
    void anEntryWithoutCallbackUrlWritesNoFieldSoEarlierEntriesAndNewOnesLookAlike() throws Exception {
        assertThat(JSON.writeValueAsString(intent(null))).doesNotContain("callback_url");
        assertThat(JSON.readValue("{\"request_id\":\"r-1\",\"state\":\"INTENT\",\"prompt\":\"p\"}", LedgerEntry.class)
                        .event()
                        .callbackUrl())
                .isNull();
    }
}
