import Metrics
import Prometheus
import SluiceCore

/// Makes swift-metrics report into a Prometheus registry; call once per process, before any metric is made.
public enum MetricsBootstrap {
    /// Bootstraps `MetricsSystem` and returns the registry `/metrics` emits.
    public static func prometheus() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // A batch's results reach the outbox in seconds to minutes; provider calls take milliseconds to a minute
        // (a large upload): the default buckets stop at 10 s.
        factory.durationHistogramBuckets[SluiceMetrics.completionToOutbox] = [
            .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5), .seconds(15), .seconds(60),
            .seconds(300), .seconds(900), .seconds(3600),
        ]
        factory.durationHistogramBuckets[SluiceMetrics.providerCall] = [
            .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(250), .seconds(1),
            .milliseconds(2500), .seconds(10), .seconds(30), .seconds(120),
        ]
        MetricsSystem.bootstrap(factory)
        return registry
    }
}
