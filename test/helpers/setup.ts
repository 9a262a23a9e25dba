/**
 * vitest setupFiles of the integration (and e2e) projects, run in every worker: fauxqs queue URLs use the host
 * `sqs.<region>.localhost`, which the SDK calls directly when its endpoint comes from AWS_ENDPOINT_URL_SQS;
 * glibc cannot resolve it, so `*.localhost` is resolved to 127.0.0.1 in this process.
 */
import { interceptLocalhostDns } from 'fauxqs';

interceptLocalhostDns();
