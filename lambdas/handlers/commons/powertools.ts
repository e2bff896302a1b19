// One logger, metrics and tracer for every function, named by the function (POWERTOOLS_SERVICE_NAME is set per
// function by the stack; locally they log JSON lines at POWERTOOLS_LOG_LEVEL and tracing is off outside Lambda).
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'adreel';

export const logger = new Logger({ serviceName });
export const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'adreel', serviceName });
export const tracer = new Tracer({ serviceName });
export { MetricUnit };
