using System.CommandLine;
using System.CommandLine.Help;
using System.Text;
using Inknowing.DbResilience.Cli;

namespace Inknowing.DbResilience.Tests.Cli;

/// <summary>
/// The verbs and options of the real <c>dbresilience</c> parser (the tree <c>--help</c> prints), and a check of a documented
/// command line against it, so that the CLI reference and the runbooks cannot name a verb or an option that does not exist.
/// </summary>
internal static class CliCommandTree
{
    /// <summary>Gets every command by its path (<c>backups list</c>, <c>pitr restore</c>), groups included.</summary>
    public static IReadOnlyDictionary<string, Command> Verbs { get; } = Collect(CliApplication.CreateRootCommand());

    /// <summary>Gets the options every verb accepts (<c>--connection</c>, <c>--storage</c>, <c>--library-schema</c>).</summary>
    public static IReadOnlyList<string> GlobalOptionNames { get; } =
        OptionNames(CliApplication.CreateRootCommand()).ToArray();

    /// <summary>Gets the verbs that do something (commands without subcommands).</summary>
    public static IEnumerable<string> Leaves => Verbs.Where(v => v.Value.Subcommands.Count == 0).Select(v => v.Key);

    /// <summary>Lists a command's own option names and aliases, leaving out --help and --version.</summary>
    public static IEnumerable<string> OptionNames(Command command)
        => command.Options
            .Where(o => o is not HelpOption and not VersionOption)
            .SelectMany(o => o.Aliases.Prepend(o.Name))
            .Distinct(StringComparer.Ordinal);

    /// <summary>Reads a file of this repository, given its path from the repository's root.</summary>
    public static string ReadRepositoryFile(string relativePath)
        => File.ReadAllText(Path.Combine(RepositoryRoot, relativePath));

    /// <summary>Gets the repository's root: the directory above the test binaries that holds the solution.</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>
    /// Extracts the <c>dbresilience ...</c> command lines of a Markdown document's fenced code blocks: a line (joined with
    /// its backslash continuations) whose first word, after a <c>$ </c> prompt and <c>NAME=value</c> assignments, is
    /// <c>dbresilience</c> or a path ending in <c>/dbresilience</c>.
    /// </summary>
    public static IEnumerable<string> CommandLinesInFences(string markdown)
    {
        var inFence = false;
        var pending = new StringBuilder();
        foreach (var raw in markdown.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inFence = !inFence;
                pending.Clear();
                continue;
            }

            if (!inFence)
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                pending.Append(line.AsSpan(0, line.Length - 1)).Append(' ');
                continue;
            }

            pending.Append(line);
            var joined = pending.ToString();
            pending.Clear();
            var words = Tokenize(joined);
            if (words.Count > 0 && IsDbResilience(words[0]))
            {
                yield return joined.Trim();
            }
        }
    }

    /// <summary>
    /// Checks one documented command line with the CLI's own parser: the verb must exist, every option must belong to it
    /// (or be global), required options must be there and values must parse. Returns the parser's errors, or an error
    /// when no verb is named (other than for <c>--help</c> or <c>--version</c>).
    /// </summary>
    public static IReadOnlyList<string> Check(string commandLine)
    {
        var words = Tokenize(commandLine);
        if (words.Count == 0 || !IsDbResilience(words[0]))
        {
            return [$"not a dbresilience command line: {commandLine}"];
        }

        var parse = CliApplication.CreateRootCommand().Parse(words.Skip(1).ToArray());
        var errors = parse.Errors.Select(e => e.Message).ToList();
        if (words.Skip(1).Any(w => w is "--help" or "-h" or "--version"))
        {
            return errors;
        }

        if (parse.CommandResult.Command is RootCommand)
        {
            errors.Add("no verb");
        }
        else if (parse.CommandResult.Command.Subcommands.Count > 0)
        {
            errors.Add($"'{parse.CommandResult.Command.Name}' needs one of its verbs");
        }

        return errors;
    }

    /// <summary>
    /// Splits a shell command line into words as a POSIX shell would for these documents: single and double quotes, a
    /// leading <c>$ </c> prompt and <c>NAME=value</c> assignments dropped, and the words stop at an unquoted <c>|</c>,
    /// <c>;</c>, <c>&amp;</c>, <c>&gt;</c> or a <c>#</c> comment.
    /// </summary>
    public static IReadOnlyList<string> Tokenize(string commandLine)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        char quote = '\0';
        var text = commandLine.TrimStart();
        if (text.StartsWith("$ ", StringComparison.Ordinal))
        {
            text = text[2..];
        }

        foreach (var c in text)
        {
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
                else
                {
                    word.Append(c);
                }

                continue;
            }

            if (c is '\'' or '"')
            {
                quote = c;
                inWord = true;
                continue;
            }

            if (char.IsWhiteSpace(c))
            {
                Flush();
                continue;
            }

            if (c is '|' or ';' or '&' or '>' || (c == '#' && !inWord))
            {
                break;
            }

            word.Append(c);
            inWord = true;
        }

        Flush();
        var start = 0;
        while (start < words.Count && !IsDbResilience(words[start]) && IsAssignment(words[start]))
        {
            start++;
        }

        return words.Skip(start).ToArray();

        void Flush()
        {
            if (inWord)
            {
                words.Add(word.ToString());
            }

            word.Clear();
            inWord = false;
        }
    }

    private static bool IsDbResilience(string word)
        => word == "dbresilience" || word.EndsWith("/dbresilience", StringComparison.Ordinal);

    private static bool IsAssignment(string word)
    {
        var equals = word.IndexOf('=', StringComparison.Ordinal);
        return equals > 0 && word[..equals].All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
    }

    private static Dictionary<string, Command> Collect(RootCommand root)
    {
        var verbs = new Dictionary<string, Command>(StringComparer.Ordinal);
        void Walk(Command command, string prefix)
        {
            foreach (var sub in command.Subcommands)
            {
                var path = prefix.Length == 0 ? sub.Name : prefix + " " + sub.Name;
                verbs.Add(path, sub);
                Walk(sub, path);
            }
        }

        Walk(root, string.Empty);
        return verbs;
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Inknowing.DbResilience.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Inknowing.DbResilience.sln was not found above " + AppContext.BaseDirectory);
    }
}
