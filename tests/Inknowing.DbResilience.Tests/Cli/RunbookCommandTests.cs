using System.Text.RegularExpressions;

namespace Inknowing.DbResilience.Tests.Cli;

/// <summary>
/// Checks the command lines the runbooks and the user guides tell operators to type: every <c>dbresilience ...</c> line in
/// a fenced block parses with the CLI's own parser (the verb exists, each option belongs to it, required options are
/// there), and each runbook names tests that exist.
/// </summary>
public sealed partial class RunbookCommandTests
{
    private static readonly string[] Runbooks =
    [
        "full-recovery.md", "point-in-time-recovery.md", "table-recovery.md", "failed-migration.md", "storage-lost.md",
        "primary-lost.md", "backup-fails-verification.md",
    ];

    private static IEnumerable<string> RunbookPaths => Runbooks.Select(r => Path.Combine("docs", "runbooks", r));

    private static IEnumerable<string> GuidePaths =>
        new[] { "README.md", Path.Combine("samples", "Inknowing.DbResilience.Cli", "README.md") }
            .Concat(Directory.GetFiles(Path.Combine(CliCommandTree.RepositoryRoot, "docs"), "*.md")
                .Select(p => Path.GetRelativePath(CliCommandTree.RepositoryRoot, p)));

    [Test]
    public void Runbooks_Index_ListsEveryRunbookInTheFolder()
    {
        var folder = Path.Combine(CliCommandTree.RepositoryRoot, "docs", "runbooks");
        var index = CliCommandTree.ReadRepositoryFile(Path.Combine("docs", "runbooks", "README.md"));

        Directory.GetFiles(folder, "*.md").Select(Path.GetFileName).Where(f => f != "README.md")
            .Should().BeEquivalentTo(Runbooks);
        Runbooks.Where(r => !index.Contains($"]({r})", StringComparison.Ordinal)).Should().BeEmpty();
    }

    [TestCaseSource(nameof(RunbookPaths))]
    public void Runbook_EveryCommandLine_ParsesWithTheCli(string path)
    {
        var lines = CliCommandTree.CommandLinesInFences(CliCommandTree.ReadRepositoryFile(path)).ToList();

        lines.Should().HaveCountGreaterThan(2, "a runbook gives the exact commands of its steps");
        lines.Select(l => (Line: l, Errors: CliCommandTree.Check(l))).Where(c => c.Errors.Count > 0)
            .Select(c => $"{c.Line}: {string.Join("; ", c.Errors)}")
            .Should().BeEmpty($"every dbresilience command in {path} must exist as written");
    }

    [TestCaseSource(nameof(RunbookPaths))]
    public void Runbook_ExercisedBy_NamesTestsThatExist(string path)
    {
        var text = CliCommandTree.ReadRepositoryFile(path);
        var exercised = text[text.IndexOf("Exercised by:", StringComparison.Ordinal)..];
        var tests = Directory.GetFiles(Path.Combine(CliCommandTree.RepositoryRoot, "tests"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(File.ReadAllText).ToList();
        var names = TestNamePattern().Matches(exercised).SelectMany(m => m.Value.Split('.')).Distinct().ToList();

        names.Should().NotBeEmpty("each runbook says which tests exercise it");
        names.Where(n => !tests.Any(t => Regex.IsMatch(t, $@"\b(class|Task|void) {n}\b")))
            .Should().BeEmpty($"the tests {path} names must exist");
    }

    [Test]
    public void Guides_EveryCommandLine_ParsesWithTheCli()
    {
        var checkedLines = 0;
        var wrong = new List<string>();
        foreach (var path in GuidePaths)
        {
            foreach (var line in CliCommandTree.CommandLinesInFences(CliCommandTree.ReadRepositoryFile(path)))
            {
                checkedLines++;
                wrong.AddRange(CliCommandTree.Check(line).Select(e => $"{path}: {line}: {e}"));
            }
        }

        checkedLines.Should().BeGreaterThan(20);
        wrong.Should().BeEmpty("the README and the guides show only commands that run as written");
    }

    [Test]
    public void CommandLinesInFences_ContinuationsPromptsAndAssignments_AreJoinedAndKept()
    {
        const string markdown = """
            text dbresilience backup --not-in-a-fence
            ```sh
            $ dbresilience verify latest \
                --json   # a comment
            DBRESILIENCE_CONNECTION='Host=x' dbresilience integrity | jq .
            archive_command = 'dbresilience wal-push %p'
            ```
            """;

        var lines = CliCommandTree.CommandLinesInFences(markdown).ToList();

        lines.Should().HaveCount(2);
        CliCommandTree.Tokenize(lines[0]).Should().Equal("dbresilience", "verify", "latest", "--json");
        CliCommandTree.Tokenize(lines[1]).Should().Equal("dbresilience", "integrity");
        lines.Select(CliCommandTree.Check).Should().AllSatisfy(e => e.Should().BeEmpty());
    }

    [GeneratedRegex(@"\b[A-Z][A-Za-z0-9]+Tests(\.[A-Za-z0-9_]+)?\b|\b[A-Z][A-Za-z0-9]*_[A-Za-z0-9_]+\b")]
    private static partial Regex TestNamePattern();
}
