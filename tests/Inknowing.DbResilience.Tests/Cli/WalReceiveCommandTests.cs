using System.CommandLine;
using System.Text.RegularExpressions;
using Inknowing.DbResilience.Cli;

namespace Inknowing.DbResilience.Tests.Cli;

public sealed partial class WalReceiveCommandTests
{
    [Test]
    public void Help_WalReceive_SaysHowEachExitCodeArises()
    {
        var help = Help("wal-receive");

        help.Should().Contain("Exit 0 when stopped with Ctrl+C or SIGTERM")
            .And.Contain("1 when the server ends the stream (it shut down or restarted, or the connection broke: run it again, it resumes from the slot)")
            .And.Contain("2 for a usage or configuration error")
            .And.Contain("130 when cancelled before streaming began");
    }

    [Test]
    public void Reference_WalReceive_SaysTheSameExitCodesAsTheHelp()
    {
        var reference = Flatten(CliCommandTree.ReadRepositoryFile(Path.Combine("docs", "cli.md")));
        var section = reference[reference.IndexOf("#### `wal-receive", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("####", 5, StringComparison.Ordinal)];

        section.Should().Contain("exits 1 saying so")
            .And.Contain("0 when stopped with Ctrl+C or SIGTERM")
            .And.Contain("2 for a usage or configuration error")
            .And.Contain("130 when cancelled before streaming began");
    }

    /// <summary>Prints <c>dbresilience VERB --help</c> with the real parser and returns it with its line breaks folded into spaces.</summary>
    private static string Help(string verb)
    {
        using var output = new StringWriter();
        var exitCode = CliApplication.CreateRootCommand().Parse([verb, "--help"]).Invoke(new InvocationConfiguration { Output = output });
        exitCode.Should().Be(0);
        return Flatten(output.ToString());
    }

    private static string Flatten(string text) => Whitespace().Replace(text, " ");

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
