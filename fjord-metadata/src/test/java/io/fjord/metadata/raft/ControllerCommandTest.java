package io.fjord.metadata.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fjord.metadata.AlterPartitionRequest;
import io.fjord.metadata.AlterPartitionResult;
import io.fjord.metadata.ElectionResult;
import io.fjord.metadata.ElectionType;
import io.fjord.metadata.PartitionState;
import io.fjord.metadata.ReassignmentRequest;
import io.fjord.metadata.ReassignmentResult;
import io.fjord.metadata.TopicPartitionRef;
import io.fjord.protocol.api.Errors;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Commands and their answers survive the trip through the Raft log as text. */
class ControllerCommandTest {
    private static ControllerCommand<?> again(ControllerCommand<?> c) {
        String line = c.line();
        assertThat(line).startsWith("cmd ").doesNotContain("\n");
        return ControllerCommand.parse(line);
    }

    @Test
    void commandsRoundTrip() {
        var byId = new ControllerCommand.AlterPartition(new AlterPartitionRequest("", UUID.randomUUID(), 3, 1, 4, 9, List.of(1, 2)));
        assertThat(again(byId)).isEqualTo(byId);
        var byName = new ControllerCommand.AlterPartition(new AlterPartitionRequest("a topic:x", null, 0, 2, 0, 0, List.of(2)));
        assertThat(again(byName)).isEqualTo(byName);
        var shutdown = new ControllerCommand.ControlledShutdown(3, "a b/c");
        assertThat(again(shutdown)).isEqualTo(shutdown);
        var unregister = new ControllerCommand.UnregisterBroker(4);
        assertThat(again(unregister)).isEqualTo(unregister);
        assertThat(unregister.decodeResult(unregister.encodeResult(io.fjord.protocol.api.Errors.BROKER_ID_NOT_REGISTERED)))
                .isEqualTo(io.fjord.protocol.api.Errors.BROKER_ID_NOT_REGISTERED);
        var all = new ControllerCommand.ElectLeaders(ElectionType.PREFERRED, null);
        assertThat(again(all)).isEqualTo(all);
        var some = new ControllerCommand.ElectLeaders(ElectionType.UNCLEAN,
                List.of(new TopicPartitionRef("t:1", 2), new TopicPartitionRef("u,v", 0)));
        assertThat(again(some)).isEqualTo(some);
        var none = new ControllerCommand.ElectLeaders(ElectionType.PREFERRED, List.of());
        assertThat(again(none)).isEqualTo(none);
        var reassign = new ControllerCommand.Reassign(List.of(
                new ReassignmentRequest(new TopicPartitionRef("t;x", 0), List.of(3, 1, 2)),
                new ReassignmentRequest(new TopicPartitionRef("t", 1), null)));
        assertThat(again(reassign)).isEqualTo(reassign);
        assertThatThrownBy(() -> ControllerCommand.parse("cmd launch-rockets 1")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void answersRoundTrip() {
        var alter = new ControllerCommand.AlterPartition(new AlterPartitionRequest("t", null, 0, 1, 0, 0, List.of(1)));
        for (AlterPartitionResult r : List.of(AlterPartitionResult.error(Errors.INVALID_UPDATE_VERSION),
                new AlterPartitionResult(Errors.NONE, new PartitionState(0, List.of(1, 2), List.of(1), 1, 3, 8)),
                new AlterPartitionResult(Errors.NEW_LEADER_ELECTED,
                        new PartitionState(0, List.of(2, 3, 1), List.of(2), 2, 3, 8, List.of(3), List.of(1))))) {
            assertThat(alter.decodeResult(alter.encodeResult(r))).isEqualTo(r);
        }
        var elect = new ControllerCommand.ElectLeaders(ElectionType.PREFERRED, null);
        List<ElectionResult> er = List.of(new ElectionResult(new TopicPartitionRef("t:x", 1), Errors.NONE),
                new ElectionResult(new TopicPartitionRef("u", 0), Errors.PREFERRED_LEADER_NOT_AVAILABLE));
        assertThat(elect.decodeResult(elect.encodeResult(er))).isEqualTo(er);
        assertThat(elect.decodeResult(elect.encodeResult(List.of()))).isEmpty();
        var reassign = new ControllerCommand.Reassign(List.of());
        List<ReassignmentResult> rr = Arrays.asList(
                new ReassignmentResult(new TopicPartitionRef("t", 0), Errors.INVALID_REPLICA_ASSIGNMENT, "broker 9: no, really, it's gone"),
                new ReassignmentResult(new TopicPartitionRef("t", 1), Errors.NONE, null));
        assertThat(reassign.decodeResult(reassign.encodeResult(rr))).isEqualTo(rr);
        var shutdown = new ControllerCommand.ControlledShutdown(1, "x");
        assertThat(shutdown.decodeResult(shutdown.encodeResult(true))).isTrue();
        assertThat(shutdown.decodeResult(shutdown.encodeResult(false))).isFalse();
    }
}
