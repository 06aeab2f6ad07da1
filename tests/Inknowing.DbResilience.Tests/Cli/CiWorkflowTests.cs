using Cronos;
using YamlDotNet.RepresentationModel;

namespace Inknowing.DbResilience.Tests.Cli;

/// <summary>
/// Checks the sample CI workflow, samples/ci/github-actions.yml: valid YAML, the daily backup and the monthly drill each
/// on its schedule, every dbresilience command as the CLI parses it, and secrets only in the environment.
/// </summary>
public sealed class CiWorkflowTests
{
    private const string DailyBackup = "30 2 * * *";
    private const string MonthlyDrill = "0 4 1 * *";

    private static readonly string Text = CliCommandTree.ReadRepositoryFile(Path.Combine("samples", "ci", "github-actions.yml"));

    private static YamlMappingNode Root
    {
        get
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(Text));
            return (YamlMappingNode)stream.Documents.Single().RootNode;
        }
    }

    [Test]
    public void Workflow_Schedules_AreADailyBackupAndAMonthlyDrill()
    {
        var schedule = (YamlSequenceNode)Map(Map(Root, "on"), "schedule");
        var crons = schedule.Children.Select(c => Scalar(Map((YamlMappingNode)c, "cron"))).ToList();

        crons.Should().Equal(DailyBackup, MonthlyDrill);
        var from = new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);
        var to = from.AddDays(31);
        CronExpression.Parse(DailyBackup).GetOccurrences(from, to).Should().HaveCount(31, "the backup runs once a day");
        CronExpression.Parse(MonthlyDrill).GetOccurrences(from, to).Should().ContainSingle("the drill runs once a month")
            .Which.Should().Be(new DateTime(2026, 3, 1, 4, 0, 0, DateTimeKind.Utc), "after that day's backup, so 'latest' is fresh");
    }

    [Test]
    public void Workflow_Jobs_RunOnTheirOwnScheduleWithTheVerbsOfTheirStory()
    {
        var backup = Job("backup");
        Scalar(Map(backup, "if")).Should().Contain($"'{DailyBackup}'").And.NotContain(MonthlyDrill);
        RunLines(backup).Should().Contain(l => l.StartsWith("dbresilience backup ", StringComparison.Ordinal) && l.Contains("--encrypt", StringComparison.Ordinal))
            .And.Contain(l => l.StartsWith("dbresilience verify ", StringComparison.Ordinal))
            .And.Contain(l => l.StartsWith("dbresilience prune", StringComparison.Ordinal));

        var drill = Job("drill");
        Scalar(Map(drill, "if")).Should().Contain($"'{MonthlyDrill}'").And.NotContain(DailyBackup);
        RunLines(drill).Should().Contain(l => l.StartsWith("dbresilience drill ", StringComparison.Ordinal))
            .And.Contain(l => l.StartsWith("dbresilience verify latest --restore-test", StringComparison.Ordinal));
    }

    [Test]
    public void Workflow_EveryDbresilienceCommand_ParsesWithTheCli()
    {
        var lines = new[] { "backup", "drill" }.SelectMany(j => RunLines(Job(j)))
            .Where(l => l.StartsWith("dbresilience ", StringComparison.Ordinal)).ToList();

        lines.Should().HaveCountGreaterThan(5);
        lines.SelectMany(l => CliCommandTree.Check(l).Select(e => $"{l}: {e}")).Should().BeEmpty();
    }

    [Test]
    public void Workflow_Secrets_ReachTheCliThroughTheEnvironmentOnly()
    {
        foreach (var name in new[] { "backup", "drill" })
        {
            var job = Job(name);
            var env = (YamlMappingNode)Map(job, "env");
            foreach (var variable in new[] { "DBRESILIENCE_CONNECTION", "DBRESILIENCE_STORAGE", "DBRESILIENCE_BACKUP_KEY", "AWS_SECRET_ACCESS_KEY" })
            {
                Scalar(Map(env, variable)).Should().Be($"${{{{ secrets.{variable} }}}}", $"job {name} takes {variable} from the secret store");
            }

            var steps = (YamlSequenceNode)Map(job, "steps");
            foreach (var step in steps.Children.Cast<YamlMappingNode>())
            {
                step.Children.Where(c => Scalar(c.Key) != "env").Select(c => c.Value.ToString())
                    .Should().NotContain(v => v.Contains("secrets.", StringComparison.Ordinal), "a secret in a step's command or inputs can reach a command line or a log");
            }

            RunLines(job).Should().NotContain(l => l.Contains("--connection", StringComparison.Ordinal) || l.Contains("Password=", StringComparison.OrdinalIgnoreCase));
        }
    }

    private static YamlMappingNode Job(string name) => (YamlMappingNode)Map((YamlMappingNode)Map(Root, "jobs"), name);

    private static List<string> RunLines(YamlMappingNode job)
        => ((YamlSequenceNode)Map(job, "steps")).Children.Cast<YamlMappingNode>()
            .Where(s => s.Children.ContainsKey(new YamlScalarNode("run")))
            .SelectMany(s => Scalar(Map(s, "run")).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .ToList();

    private static YamlNode Map(YamlNode node, string key)
    {
        var map = (YamlMappingNode)node;
        map.Children.Should().ContainKey(new YamlScalarNode(key), $"the workflow has '{key}'");
        return map.Children[new YamlScalarNode(key)];
    }

    private static string Scalar(YamlNode node) => ((YamlScalarNode)node).Value ?? string.Empty;
}
