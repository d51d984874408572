#!/usr/bin/env bash
# Kafka broker for the broker tests: Apache Kafka's own jars (KRaft mode, Kafka 4.x runs on Java 17) resolved with
# their dependencies from Maven Central into a cache folder outside the git tree. The test harness
# (test/brokers/kafka.ts) runs `kafka.Kafka` from that folder's classpath. Idempotent: returns at once when the jars
# are there. Override the folder with SCOUTER_KAFKA_HOME (the harness reads the same variable).
set -euo pipefail

KAFKA_VERSION=4.4.0
HOME_DIR="${SCOUTER_KAFKA_HOME:-${HOME}/.cache/scouter-ts/kafka-${KAFKA_VERSION}}"
LIB="${HOME_DIR}/lib"

if [ -f "${HOME_DIR}/.complete" ] && ls "${LIB}"/kafka_2.13-"${KAFKA_VERSION}".jar >/dev/null 2>&1; then
  echo "kafka ${KAFKA_VERSION}: jars already in ${LIB}"
  exit 0
fi

if ! command -v java >/dev/null 2>&1 || ! command -v mvn >/dev/null 2>&1; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q openjdk-17-jre-headless maven
fi

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
cat >"${work}/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>scouter-ts</groupId>
  <artifactId>kafka-broker-jars</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <!-- kafka_2.13 holds kafka.Kafka and kafka.tools.StorageTool; the rest comes with it transitively. -->
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${KAFKA_VERSION}</version></dependency>
    <!-- Kafka logs through the SLF4J 1.7 API it brings; a binding of the same line keeps them readable in the harness's log file. -->
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-simple</artifactId><version>1.7.36</version></dependency>
  </dependencies>
</project>
POM

rm -rf "${LIB}"
mkdir -p "${LIB}"
mvn -q -B -f "${work}/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="${LIB}"
touch "${HOME_DIR}/.complete"
echo "kafka ${KAFKA_VERSION}: $(ls "${LIB}" | wc -l) jars in ${LIB}"
