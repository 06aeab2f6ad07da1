using System.Globalization;
using System.Text.RegularExpressions;

namespace Inknowing.DbResilience.PostgreSql.Tools;

/// <summary>Finds PostgreSQL executables: a configured directory, then PATH, then the newest <c>/usr/lib/postgresql/*/bin</c>.</summary>
internal static partial class ToolLocator
{
    private const string DebianRoot = "/usr/lib/postgresql";
    private static readonly string[] SystemDirectories = ["/usr/sbin", "/usr/bin", "/sbin", "/bin"];

    /// <summary>Gets a value indicating whether this process runs as root (the server binaries refuse to).</summary>
    public static bool IsRoot { get; } = OperatingSystem.IsLinux() && string.Equals(Environment.UserName, "root", StringComparison.Ordinal);

    /// <summary>Finds a client tool such as pg_dump, pg_restore or psql.</summary>
    /// <exception cref="ExternalToolException">The tool is nowhere to be found; the message lists where it looked.</exception>
    public static string FindClientTool(string toolName, string? configuredDirectory)
        => Find(toolName, configuredDirectory, preferServerDirectory: false);

    /// <summary>
    /// Finds a server binary such as initdb, pg_ctl or postgres. These are not on PATH on Debian,
    /// so the newest <c>/usr/lib/postgresql/*/bin</c> comes before PATH.
    /// </summary>
    /// <exception cref="ExternalToolException">The binary is nowhere to be found; the message lists where it looked.</exception>
    public static string FindServerTool(string toolName, string? configuredDirectory)
        => Find(toolName, configuredDirectory, preferServerDirectory: true);

    /// <summary>Finds an operating-system executable such as runuser or install on PATH.</summary>
    public static string FindSystemExecutable(string name)
    {
        foreach (var directory in PathDirectories().Concat(SystemDirectories))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new ExternalToolException($"The system command '{name}' was not found on PATH.");
    }

    /// <summary>Runs <c>TOOL --version</c> and returns the version it reports.</summary>
    /// <exception cref="ExternalToolException">The tool failed or printed no version.</exception>
    public static async Task<Version> GetVersionAsync(string toolPath, CancellationToken cancellationToken)
    {
        var start = new ToolStartInfo(toolPath);
        start.Arguments.Add("--version");
        var output = await ToolProcess.RunAsync(start, cancellationToken).ConfigureAwait(false);
        return ParseVersion(output) ?? throw new ExternalToolException(
            $"'{toolPath} --version' printed no PostgreSQL version: '{output.Trim()}'.");
    }

    /// <summary>Parses the version from output such as <c>pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)</c>.</summary>
    public static Version? ParseVersion(string output)
    {
        var match = VersionPattern().Match(output);
        if (!match.Success)
        {
            return null;
        }

        var major = int.Parse(match.Groups["major"].Value, CultureInfo.InvariantCulture);
        var minor = match.Groups["minor"].Success ? int.Parse(match.Groups["minor"].Value, CultureInfo.InvariantCulture) : 0;
        return new Version(major, minor);
    }

    private static string Find(string toolName, string? configuredDirectory, bool preferServerDirectory)
    {
        var searched = new List<string>();
        if (!string.IsNullOrEmpty(configuredDirectory))
        {
            var configured = Path.Combine(configuredDirectory, toolName);
            if (File.Exists(configured))
            {
                return configured;
            }

            throw new ExternalToolException(
                $"{toolName} was not found in the configured tools directory '{configuredDirectory}'. "
                + "Point PostgreSqlOptions.ToolsDirectory at the directory that holds the PostgreSQL binaries.");
        }

        var candidates = preferServerDirectory
            ? DebianBinDirectories().Concat(PathDirectories())
            : PathDirectories().Concat(DebianBinDirectories());
        foreach (var directory in candidates)
        {
            searched.Add(directory);
            var candidate = Path.Combine(directory, toolName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new ExternalToolException(
            $"{toolName} was not found (looked on PATH and in {DebianRoot}/*/bin). "
            + "Install PostgreSQL 15 or newer (apt-get install postgresql-15) or set PostgreSqlOptions.ToolsDirectory.");
    }

    private static string[] PathDirectories()
        => (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static IEnumerable<string> DebianBinDirectories()
    {
        if (!Directory.Exists(DebianRoot))
        {
            return Array.Empty<string>();
        }

        return Directory.EnumerateDirectories(DebianRoot)
            .Select(d => (Directory: d, Major: int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1))
            .Where(d => d.Major > 0)
            .OrderByDescending(d => d.Major)
            .Select(d => Path.Combine(d.Directory, "bin"));
    }

    [GeneratedRegex(@"\(PostgreSQL\)\s+(?<major>\d+)(?:\.(?<minor>\d+))?", RegexOptions.CultureInvariant)]
    private static partial Regex VersionPattern();
}
