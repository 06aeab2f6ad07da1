using System.Text.RegularExpressions;

namespace Inknowing.DbResilience.Tests.Cli;

/// <summary>Keeps the README and docs/ whole: every relative link names a file of the repository, and none leaves it.</summary>
public sealed partial class DocumentationLinkTests
{
    private static IEnumerable<string> Documents =>
        Directory.GetFiles(Path.Combine(CliCommandTree.RepositoryRoot, "docs"), "*.md", SearchOption.AllDirectories)
            .Append(Path.Combine(CliCommandTree.RepositoryRoot, "README.md"))
            .Select(p => Path.GetRelativePath(CliCommandTree.RepositoryRoot, p));

    [Test]
    public void Documents_EveryRelativeLink_NamesAFileInTheRepository()
    {
        var root = Path.GetFullPath(CliCommandTree.RepositoryRoot);
        var broken = new List<string>();
        var links = 0;
        foreach (var document in Documents)
        {
            var directory = Path.GetDirectoryName(Path.Combine(root, document))!;
            foreach (Match link in LinkPattern().Matches(CliCommandTree.ReadRepositoryFile(document)))
            {
                var target = link.Groups["target"].Value;
                if (target.StartsWith("http", StringComparison.Ordinal) || target.StartsWith('#') || target.StartsWith("mailto:", StringComparison.Ordinal))
                {
                    continue;
                }

                links++;
                var path = Path.GetFullPath(Path.Combine(directory, target.Split('#')[0]));
                if (!path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !(File.Exists(path) || Directory.Exists(path)))
                {
                    broken.Add($"{document}: {target}");
                }
            }
        }

        links.Should().BeGreaterThan(30);
        broken.Should().BeEmpty("a link in the documentation must name a file of the repository");
    }

    [GeneratedRegex(@"\]\((?<target>[^)\s]+)\)")]
    private static partial Regex LinkPattern();
}
