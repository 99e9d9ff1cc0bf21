package io.fjord.broker.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SslPrincipalMapperTest {
    @Test
    void defaultKeepsTheDistinguishedName() {
        assertThat(SslPrincipalMapper.fromRules("DEFAULT").name("CN=alice,OU=eng,O=acme")).isEqualTo("CN=alice,OU=eng,O=acme");
        assertThat(SslPrincipalMapper.fromRules("").name("CN=x")).isEqualTo("CN=x");
    }

    @Test
    void firstMatchingRuleWinsWithCaseSuffixes() {
        SslPrincipalMapper m = SslPrincipalMapper.fromRules(
                "RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/,RULE:^CN=(.*?),OU=(.*?),O=.*$/$1@$2/L, DEFAULT");
        assertThat(m.name("CN=kafka-broker,OU=ServiceUsers,O=acme")).isEqualTo("kafka-broker");
        assertThat(m.name("CN=Alice,OU=ENG,O=acme")).isEqualTo("alice@eng");
        assertThat(m.name("O=acme")).isEqualTo("O=acme");
        assertThat(SslPrincipalMapper.fromRules("RULE:^CN=(.*)$/$1/U").name("CN=bob")).isEqualTo("BOB");
    }

    @Test
    void escapedSlashesBelongToThePattern() {
        assertThat(SslPrincipalMapper.fromRules("RULE:^CN=(.*)\\/x$/$1\\/y/").name("CN=a/x")).isEqualTo("a/y");
    }

    @Test
    void aNameNoRuleMatchesIsRefusedAndMalformedRulesAreRejected() {
        assertThatThrownBy(() -> SslPrincipalMapper.fromRules("RULE:^CN=(.*)$/$1/").name("O=acme"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("O=acme");
        assertThatThrownBy(() -> SslPrincipalMapper.fromRules("RULE:^CN=(.*)$")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SslPrincipalMapper.fromRules("NOPE")).isInstanceOf(IllegalArgumentException.class);
    }
}
