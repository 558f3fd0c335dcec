import { Command } from 'commander'
import { EXIT_HELP, addConfigOptions, gatherSources, type CliCommand, type CommandContext, type CommonOptions } from './cli-options.js'
import { SEND_FLAG_KEYS } from './send-command.js'
import { EXIT } from '../core/errors.js'

export function configCommand({ report }: CommandContext): CliCommand {
  const command = addConfigOptions(
    new Command('config')
      .description('print the effective configuration and where each value comes from (password hidden)')
      .option('--check', 'also check that the gateway answers as the provider should (Kannel\'s smsbox, SMS4.de\'s balance query, http.check-url) and the credentials work (sends nothing)'),
    SEND_FLAG_KEYS,
    {
      'smskannel.timeout': 'how long each gateway check may take: 500ms, 10s, 10',
      json: 'print the files read, the effective values and the checks as one JSON object on stdout',
      verbose: 'with --check: print each gateway\'s reply on stderr',
    },
  )
    .addHelpText('after', EXIT_HELP)
    .action(async (options: CommonOptions & { check?: boolean }) => {
      const [{ showConfig, formatConfigTable, configDocument }, { httpClientFor }, gathered] = await Promise.all([import('./config.js'), import('../shell/http.js'), gatherSources(options, report, { passwordFile: true })])
      const result = await showConfig({ sources: gathered.sources, check: Boolean(options.check) }, { http: (config) => httpClientFor(config, process.env), report })
      if (options.json) report.data(configDocument(gathered.files, result))
      else for (const line of formatConfigTable(result.effective)) report.text(line)
      for (const check of result.checks) {
        if (check.result === 'ok') {
          report.success(check.summary)
          for (const warning of check.warnings) report.warn(warning)
        } else report.error(`${check.gateway}: ${check.error.message}`, check.error.hint)
      }
      // After the table, which is what an admin facing exit 78 came for.
      for (const problem of result.problems) report.error(problem.message, problem.hint)
      const failed = result.checks.find((check) => check.result === 'failed')
      if (result.problems.length > 0) process.exitCode = EXIT.config
      else if (failed?.result === 'failed') process.exitCode = failed.error.exitCode
    })
  return { command }
}
