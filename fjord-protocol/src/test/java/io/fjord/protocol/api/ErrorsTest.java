package io.fjord.protocol.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every error Fjord names has Kafka's code and Kafka's name, and no code is used twice. */
class ErrorsTest {
    @Test
    void codesAndNamesAreKafkas() {
        Set<Short> seen = new HashSet<>();
        for (Errors e : Errors.values()) {
            org.apache.kafka.common.protocol.Errors theirs = org.apache.kafka.common.protocol.Errors.forCode(e.code());
            assertThat(theirs.code()).as(e + ": a code Kafka knows").isEqualTo(e.code());
            assertThat(theirs.name()).as("Kafka's name for code " + e.code()).isEqualTo(e.name());
            assertThat(seen.add(e.code())).as("code " + e.code() + " used once").isTrue();
            assertThat(Errors.forCode(e.code())).isSameAs(e);
        }
        assertThat(Errors.forCode((short) 9999)).isNull();
    }
}
