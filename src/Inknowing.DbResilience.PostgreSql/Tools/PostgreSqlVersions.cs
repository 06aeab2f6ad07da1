
namespace Inknowing.DbResilience.PostgreSql.Tools;

/// <summary>
/// The PostgreSQL majors this library supports, servers and client tools alike, and the checks every operation makes before
/// it starts: a server outside the range is refused, and so is a client tool older than the server it would work on.
/// </summary>
/// <remarks>
/// 15, 17 and 18 are tested against real servers with the client tools of the same major (Debian 12, 13 and the release
/// after 13), and across majors (newer tools against a 15 server; a backup of 15 restored into 17 and 18). 16 has no
/// Debian package to test with; its dump and archive formats are the ones the tests cover.
/// </remarks>
public static class PostgreSqlVersions
{
    /// <summary>The oldest supported major: 15.</summary>
    public const int MinimumMajor = 15;

    /// <summary>The newest supported major: 18.</summary>
    public const int MaximumMajor = 18;

    /// <summary>Throws unless <paramref name="serverVersion"/> is a supported major.</summary>
    /// <param name="serverVersion">The server's version, as Npgsql reports it.</param>
    /// <param name="operation">What was about to happen, for the message (for example <c>back it up</c>).</param>
    /// <exception cref="ArgumentNullException"><paramref name="serverVersion"/> is <see langword="null"/>.</exception>
    /// <exception cref="DbResilienceException">The server's major is outside <see cref="MinimumMajor"/> to <see cref="MaximumMajor"/>.</exception>
    public static void EnsureServerSupported(Version serverVersion, string operation)
    {
        ArgumentNullException.ThrowIfNull(serverVersion);
        if (ServerProblem(serverVersion, operation) is { } problem)
        {
            throw new DbResilienceException(problem);
        }
    }

    /// <summary>Returns why a server of <paramref name="serverVersion"/> is not supported, or <see langword="null"/> when it is.</summary>
    /// <param name="serverVersion">The server's version.</param>
    /// <param name="operation">What was about to happen, for the message.</param>
    /// <returns>The problem, naming the supported range and what to do; or <see langword="null"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="serverVersion"/> is <see langword="null"/>.</exception>
    public static string? ServerProblem(Version serverVersion, string operation)
    {
        ArgumentNullException.ThrowIfNull(serverVersion);
        var major = serverVersion.Major;
        if (major < MinimumMajor)
        {
            return FormattableString.Invariant(
                $"The server runs PostgreSQL {major}, older than this library supports ({MinimumMajor} to {MaximumMajor}), so it will not {operation}. ")
                + FormattableString.Invariant($"Upgrade the server to PostgreSQL {MinimumMajor} or newer (pg_upgrade, or a dump of it restored into the new major).");
        }

        if (major > MaximumMajor)
        {
            return FormattableString.Invariant(
                $"The server runs PostgreSQL {major}, newer than this library supports ({MinimumMajor} to {MaximumMajor}), so it will not {operation}: ")
                + "its tools' formats are not known to be handled. Use a release of this library that supports it.";
        }

        return null;
    }

    /// <summary>Throws when a client tool is older than the server it is about to work on, naming the Debian package to install.</summary>
    /// <param name="toolPath">The tool's path.</param>
    /// <param name="toolVersion">The tool's version.</param>
    /// <param name="serverVersion">The server's version.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ExternalToolException">The tool's major is older than the server's.</exception>
    public static void EnsureToolNotOlderThanServer(string toolPath, Version toolVersion, Version serverVersion)
    {
        ArgumentNullException.ThrowIfNull(toolPath);
        ArgumentNullException.ThrowIfNull(toolVersion);
        ArgumentNullException.ThrowIfNull(serverVersion);
        if (ToolProblem(toolPath, toolVersion, serverVersion) is { } problem)
        {
            throw new ExternalToolException(problem);
        }
    }

    /// <summary>Returns why a client tool cannot work on the server, or <see langword="null"/> when it can.</summary>
    /// <param name="toolPath">The tool's path.</param>
    /// <param name="toolVersion">The tool's version.</param>
    /// <param name="serverVersion">The server's version.</param>
    /// <returns>The problem, naming the Debian package that brings a tool of the server's major; or <see langword="null"/>.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static string? ToolProblem(string toolPath, Version toolVersion, Version serverVersion)
    {
        ArgumentNullException.ThrowIfNull(toolPath);
        ArgumentNullException.ThrowIfNull(toolVersion);
        ArgumentNullException.ThrowIfNull(serverVersion);
        if (toolVersion.Major >= serverVersion.Major)
        {
            return null;
        }

        var tool = Path.GetFileName(toolPath);
        return FormattableString.Invariant(
            $"{tool} {toolVersion.Major}.{toolVersion.Minor} at '{toolPath}' is older than the server (PostgreSQL {serverVersion.Major}.{serverVersion.Minor}) ")
            + FormattableString.Invariant($"and cannot work with it: install postgresql-client-{serverVersion.Major} (apt-get install postgresql-client-{serverVersion.Major}; ")
            + FormattableString.Invariant($"on Debian its tools are in /usr/lib/postgresql/{serverVersion.Major}/bin and are found there), ")
            + FormattableString.Invariant($"or point PostgreSqlOptions.ToolsDirectory at the tools of PostgreSQL {serverVersion.Major} or newer.");
    }
}
