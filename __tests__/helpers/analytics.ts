import { AnalyticsDefinition, AnalyticsSpec, defineAnalytics, LAB_ANALYTICS_SPEC } from "../../sql/analytics";

/** The lab's analytics with some of its parts replaced. */
export function analyticsWith(spec: Partial<AnalyticsSpec>): AnalyticsDefinition {
  return defineAnalytics({ ...LAB_ANALYTICS_SPEC, ...spec });
}
