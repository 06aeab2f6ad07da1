using System.Text.RegularExpressions;

namespace Inknowing.DbResilience.Tests.Cli;

/// <summary>
/// Keeps docs/cli.md and the CLI's parser in step: every verb and option that <c>--help</c> prints is documented in the
/// verb's own section, and every verb documented there exists.
/// </summary>
public sealed partial class CliReferenceTests
{
    private static readonly string Reference = CliCommandTree.ReadRepositoryFile(Path.Combine("docs", "cli.md"));

    [Test]
    public void Reference_EveryVerbOfTheParser_HasItsOwnSection()
    {
        var documented = Sections().Select(s => s.Verb).ToHashSet(StringComparer.Ordinal);

        CliCommandTree.Leaves.Where(v => !documented.Contains(v))
            .Should().BeEmpty("every verb that 'dbresilience --help' lists needs a '### `verb ...`' section in docs/cli.md");
    }

    [Test]
    public void Reference_EveryDocumentedVerb_ExistsInTheParser()
    {
        var sections = Sections();

        sections.Should().HaveCountGreaterThan(20, "docs/cli.md documents each verb under a heading that starts with it");
        sections.Select(s => s.Verb).Where(v => !CliCommandTree.Verbs.ContainsKey(v))
            .Should().BeEmpty("a verb documented in docs/cli.md must exist in the CLI");
    }

    [Test]
    public void Reference_EveryOptionOfEachVerb_IsDocumentedInThatVerbsSection()
    {
        var sections = Sections().ToDictionary(s => s.Verb, s => s.Text, StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var verb in CliCommandTree.Leaves.Where(sections.ContainsKey))
        {
            missing.AddRange(CliCommandTree.OptionNames(CliCommandTree.Verbs[verb])
                .Where(option => !Mentions(sections[verb], option))
                .Select(option => $"{verb} {option}"));
        }

        missing.Should().BeEmpty("each option that '<verb> --help' prints is described in that verb's section of docs/cli.md");
    }

    [Test]
    public void Reference_EveryOptionInASectionHeading_BelongsToThatVerb()
    {
        var wrong = new List<string>();
        foreach (var (verb, heading, _) in Sections().Where(s => CliCommandTree.Verbs.ContainsKey(s.Verb)))
        {
            var accepted = CliCommandTree.OptionNames(CliCommandTree.Verbs[verb]).Concat(CliCommandTree.GlobalOptionNames).ToHashSet(StringComparer.Ordinal);
            wrong.AddRange(OptionPattern().Matches(heading).Select(m => m.Value).Where(o => !accepted.Contains(o)).Select(o => $"{verb} {o}"));
        }

        wrong.Should().BeEmpty("the synopsis of a verb in docs/cli.md names only options the verb accepts");
    }

    [Test]
    public void Reference_GlobalOptions_AreDocumented()
    {
        CliCommandTree.GlobalOptionNames.Should().NotBeEmpty();
        CliCommandTree.GlobalOptionNames.Where(o => !Mentions(Reference, o)).Should().BeEmpty();
    }

    [Test]
    public void Check_UnknownVerbOrOption_IsReported()
    {
        CliCommandTree.Check("dbresilience backup --tier daily --json").Should().BeEmpty();
        CliCommandTree.Check("dbresilience backup --no-such-option").Should().NotBeEmpty();
        CliCommandTree.Check("dbresilience no-such-verb").Should().NotBeEmpty();
        CliCommandTree.Check("dbresilience pitr").Should().NotBeEmpty("a group needs one of its verbs");
        CliCommandTree.Check("dbresilience pitr restore --latest").Should().NotBeEmpty("--target-dir is required");
    }

    private static bool Mentions(string text, string option)
        => Regex.IsMatch(text, "(?<![A-Za-z0-9-])" + Regex.Escape(option) + "(?![A-Za-z0-9-])");

    /// <summary>
    /// Reads the sections whose heading starts with a code span naming a verb: (verb path, heading, text with the
    /// introduction of the group heading above it).
    /// </summary>
    private static List<(string Verb, string Heading, string Text)> Sections()
    {
        var lines = Reference.Split('\n');
        var sections = new List<(string, string, string)>();
        for (var i = 0; i < lines.Length; i++)
        {
            var heading = HeadingPattern().Match(lines[i]);
            if (!heading.Success)
            {
                continue;
            }

            var level = heading.Groups["hashes"].Value.Length;
            var verb = string.Join(' ', heading.Groups["synopsis"].Value.Split(' ').TakeWhile(w => VerbWordPattern().IsMatch(w)));
            var end = i + 1;
            while (end < lines.Length && !(lines[end].StartsWith('#') && lines[end].TakeWhile(c => c == '#').Count() <= level))
            {
                end++;
            }

            // A verb under a group heading ("### Migrations: ...") shares the options its introduction describes.
            var intro = string.Empty;
            if (level == 4 && Array.FindLastIndex(lines, i, l => l.StartsWith("### ", StringComparison.Ordinal)) is var parent and >= 0)
            {
                intro = string.Join('\n', lines[parent..Array.FindIndex(lines, parent + 1, l => l.StartsWith('#'))]);
            }

            sections.Add((verb, lines[i], intro + '\n' + string.Join('\n', lines[i..end])));
        }

        return sections;
    }

    [GeneratedRegex(@"^(?<hashes>#{2,4}) `(?<synopsis>[a-z][^`]*)`")]
    private static partial Regex HeadingPattern();

    [GeneratedRegex(@"^[a-z][a-z-]*$")]
    private static partial Regex VerbWordPattern();

    [GeneratedRegex(@"--[a-z][a-z-]*")]
    private static partial Regex OptionPattern();
}
