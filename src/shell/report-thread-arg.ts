/** The argument that makes the bundle a report thread instead of the CLI: apart, so cli.ts loads no thread code to check it. */
export const REPORT_THREAD_ARG = '--sms-kannel-report-thread'
