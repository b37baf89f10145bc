package dev.clearance.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.clearance.testing.SparkExtension;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(SparkExtension.class)
class SparkSessionsTest {

    @Test
    void theExecutorsGetTheLocaleFlagsTheirOptionsDoNotSet() {
        assertThat(SparkSessions.withLocaleFlags(null)).isEqualTo("-Duser.language=en -Duser.country=US");
        assertThat(SparkSessions.withLocaleFlags(" -XX:-DontCompileHugeMethods "))
                .isEqualTo("-XX:-DontCompileHugeMethods -Duser.language=en -Duser.country=US");
        assertThat(SparkSessions.withLocaleFlags("-Xss4m -Duser.language=tr"))
                .isEqualTo("-Xss4m -Duser.language=tr -Duser.country=US");
        assertThat(SparkSessions.withLocaleFlags("-Duser.country=TR\t-Duser.language=tr"))
                .isEqualTo("-Duser.country=TR\t-Duser.language=tr");
        assertThat(SparkSessions.withLocaleFlags("-Dapp.opts=-Duser.language=tr"))
                .isEqualTo("-Dapp.opts=-Duser.language=tr -Duser.language=en -Duser.country=US");
    }

    @Test
    void deltaRebuildsTableStateInAsManyTasksAsTheSessionHasCoresUpToSixteenAndCopiesNoMergeSource(SparkSession spark) {
        assertThat(SparkSessions.runtimeDefaults(1)).containsOnly(entry(SparkSessions.SNAPSHOT_PARTITIONS, "1"),
                entry(SparkSessions.MERGE_MATERIALIZE_SOURCE, "none"));
        assertThat(SparkSessions.runtimeDefaults(200)).contains(entry(SparkSessions.SNAPSHOT_PARTITIONS, "16"));
        // the test session (local[2]) leaves them unset, so the job's choice applies
        assertThat(spark.conf().get(SparkSessions.SNAPSHOT_PARTITIONS)).isEqualTo("2");
        assertThat(spark.conf().get(SparkSessions.MERGE_MATERIALIZE_SOURCE)).isEqualTo("none");
    }

    @Test
    void theSessionCarriesThemInItsExecutorOptionsAfterSparksJavaModuleOptions(SparkSession spark) {
        assertThat(spark.sparkContext().getConf().get("spark.executor.extraJavaOptions"))
                .startsWith("-Djava.net.preferIPv6Addresses=false ").contains(" --add-opens=java.base/java.lang=")
                .endsWith(" -Djdk.reflect.useDirectMethodHandle=false -Duser.language=en -Duser.country=US");
    }
}
