// The list prices the cost model uses: ONE dated table. AWS us-east-1, as published in 2025 (the figures issue 4
// quotes). Step Functions Express is not in the list; it is used for the align Map's child executions and
// its 2025 list price is given here so the model is complete.
export const PRICES = {
  asOf: '2025 (AWS list prices, us-east-1)',
  region: 'us-east-1',
  lambda: {
    /** x86, per GB-second */
    gbSecond: 0.0000166667,
    /** per request */
    request: 0.2 / 1e6,
  },
  stepFunctions: {
    /** Standard, per state transition */
    standardTransition: 0.025 / 1000,
    /** Express, per request (child execution) */
    expressRequest: 1.0 / 1e6,
    /** Express, per GB-second of child execution (billed in 64 MB steps) */
    expressGbSecond: 0.00001667,
  },
  s3: {
    /** S3 Standard, per GB-month */
    gbMonth: 0.023,
    /** PUT, COPY, POST, LIST, per request */
    putOrList: 0.005 / 1000,
    /** GET, HEAD and all other requests, per request */
    get: 0.0004 / 1000,
  },
} as const;

export type Prices = typeof PRICES;
