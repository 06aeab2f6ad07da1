using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Inknowing.DbResilience.PostgreSql.Tools;
using Inknowing.DbResilience.Restore;
using Inknowing.DbResilience.Storage;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql.Clusters;

// Creating a new cluster: a free port, a random password, directories owned by the server's OS user, initdb and the settings.
public sealed partial class LocalPostgreSqlCluster
{
    private static int FindFreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string RandomToken(int bytes) => Convert.ToHexString(RandomNumberGenerator.GetBytes(bytes)).ToLowerInvariant();


    private static string QuoteLiteral(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    private async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await CreateOwnedDirectoryAsync(RootDirectory, cancellationToken).ConfigureAwait(false);
        await CreateOwnedDirectoryAsync(ArchiveDirectory, cancellationToken).ConfigureAwait(false);

        // The directory is 0700 and owned by the server's user: the password file inside it is private to that user and to root.
        // Run as that user, initdb reads it; as root it is root's file, so it keeps the umask's mode for initdb (the server's
        // user) to read it, behind the 0700 directory.
        var passwordFile = Path.Combine(RootDirectory, "pwfile");
        if (ToolLocator.IsRoot)
        {
            await File.WriteAllTextAsync(passwordFile, SuperuserPassword + "\n", cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await PrivateFiles.WriteAllTextAsync(passwordFile, SuperuserPassword + "\n", cancellationToken).ConfigureAwait(false);
        }
        try
        {
            var initdb = NewServerTool("initdb");
            initdb.Arguments.AddRange(
            [
                "-D", DataDirectory, "-U", _options.SuperuserName, "--pwfile", passwordFile,
                "--auth-host=scram-sha-256", "--auth-local=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions",
            ]);
            if (_options.DataChecksums)
            {
                initdb.Arguments.Add("--data-checksums");
            }

            await ToolProcess.RunAsync(initdb, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(passwordFile);
        }

        await File.AppendAllTextAsync(Path.Combine(DataDirectory, "postgresql.conf"), BuildSettings(), cancellationToken).ConfigureAwait(false);
    }

    private string BuildSettings()
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["listen_addresses"] = "'127.0.0.1'",
            ["port"] = Port.ToString(CultureInfo.InvariantCulture),
            ["unix_socket_directories"] = QuoteLiteral(RootDirectory),
            ["wal_level"] = "replica",
            ["max_wal_senders"] = "10",
            ["max_replication_slots"] = "10",
            ["wal_keep_size"] = "'256MB'",
            ["logging_collector"] = "off",
        };
        if (_options.EnableArchiving)
        {
            settings["archive_mode"] = "on";
            // Copy under a temporary name, then rename: a segment is never visible half-copied under its final name.
            settings["archive_command"] = QuoteLiteral(
                $"test ! -f '{ArchiveDirectory}/%f' && cp '%p' '{ArchiveDirectory}/%f.tmp' && mv '{ArchiveDirectory}/%f.tmp' '{ArchiveDirectory}/%f'");
        }

        if (_options.DisableFsync)
        {
            settings["fsync"] = "off";
            settings["synchronous_commit"] = "off";
            settings["full_page_writes"] = "off";
        }

        foreach (var (name, value) in _options.Settings)
        {
            settings[name] = value;
        }

        var text = new StringBuilder().AppendLine().AppendLine("# Written by Inknowing.DbResilience LocalPostgreSqlCluster");
        foreach (var (name, value) in settings)
        {
            text.Append(name).Append(" = ").AppendLine(value);
        }

        return text.ToString();
    }

    private async Task CreateOwnedDirectoryAsync(string path, CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }

        if (!ToolLocator.IsRoot)
        {
            PrivateFiles.CreateDirectory(path);
            return;
        }

        var install = new ToolStartInfo(ToolLocator.FindSystemExecutable("install"));
        install.Arguments.AddRange(["-d", "-m", "0700", "-o", _options.OsUser, "-g", _options.OsUser, path]);
        try
        {
            await ToolProcess.RunAsync(install, cancellationToken).ConfigureAwait(false);
        }
        catch (ExternalToolException ex)
        {
            throw new ExternalToolException(
                $"Could not create '{path}' owned by the OS user '{_options.OsUser}', which runs PostgreSQL when this process is root: {ex.Message} "
                + "Install the postgresql-15 package (it creates that user) or set LocalClusterOptions.OsUser.", ex);
        }
    }
}
