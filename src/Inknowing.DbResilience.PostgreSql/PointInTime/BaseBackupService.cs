using System.Globalization;
using System.Text.RegularExpressions;
using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.PostgreSql.Tools;
using Inknowing.DbResilience.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>
/// Takes physical base backups with pg_basebackup (a tar of the data directory with the WAL it needs, compressed on the client)
/// and streams them to every storage as <c>base/&lt;id&gt;/base.tar.&lt;lz4|zst&gt;</c>, then writes the manifest last.
/// </summary>
public sealed partial class BaseBackupService
{
    /// <summary>The storage prefix of base backups (<see cref="BackupLayout.Prefix"/> of <see cref="BackupKind.Base"/>, with its slash).</summary>
    public const string Prefix = "base/";

    private readonly IStorageSet _storages;
    private readonly PostgreSqlOptions _postgreSql;
    private readonly PointInTimeOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="BaseBackupService"/> class.</summary>
    /// <param name="storages">The storages to write to.</param>
    /// <param name="postgreSql">The database's options (connection string, tools directory).</param>
    /// <param name="options">The point-in-time options (compression).</param>
    /// <param name="timeProvider">The clock for ids and times.</param>
    /// <param name="logger">The logger; <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public BaseBackupService(
        IStorageSet storages,
        IOptions<PostgreSqlOptions> postgreSql,
        IOptions<PointInTimeOptions> options,
        [FromKeyedServices(DbResilienceBuilder.ServiceKey)] TimeProvider timeProvider,
        [FromKeyedServices(DbResilienceBuilder.ServiceKey)] ILogger<BaseBackupService>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(storages);
        ArgumentNullException.ThrowIfNull(postgreSql);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _storages = storages;
        _postgreSql = postgreSql.Value;
        _options = options.Value;
        _timeProvider = timeProvider;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Takes a base backup and stores it in every storage.</summary>
    /// <param name="cancellationToken">Cancels the backup: pg_basebackup is killed and nothing that looks complete is left.</param>
    /// <returns>The manifest of the stored backup (<see cref="BackupManifest.Kind"/> base, with its WAL range).</returns>
    /// <exception cref="ExternalToolException">pg_basebackup failed; the message has its standard error.</exception>
    /// <exception cref="StorageException">No storage could keep a complete copy.</exception>
    public async Task<BackupManifest> CreateAsync(CancellationToken cancellationToken = default)
    {
        var connectionString = _postgreSql.ConnectionString
            ?? throw new DbResilienceConfigurationException("No connection string: call UsePostgreSql(...) before taking a base backup.");
        var version = await GetServerVersionAsync(connectionString, cancellationToken).ConfigureAwait(false);
        var startTime = _timeProvider.GetUtcNow();
        var id = BackupId.New(startTime, BackupLayout.BaseTier);
        var extension = _options.Compression == BaseBackupCompression.Zstd ? "zst" : "lz4";
        var dataName = "base.tar." + extension;
        var dataKey = BackupLayout.FileKey(BackupKind.Base, id.Value, dataName);

        var pgBaseBackup = ToolLocator.FindClientTool("pg_basebackup", _postgreSql.ToolsDirectory);
        var toolVersion = await ToolLocator.GetVersionAsync(pgBaseBackup, cancellationToken).ConfigureAwait(false);
        PostgreSqlVersions.EnsureToolNotOlderThanServer(pgBaseBackup, toolVersion, ParseServerVersion(version));
        var start = new ToolStartInfo(pgBaseBackup);
        LibpqConnection.Apply(start, connectionString);
        start.Arguments.AddRange(
        [
            "-D", "-", "-F", "t", "-X", "fetch", "-c", "fast", "-v", "-l", "dbresilience " + id,
            "--compress=client-" + (_options.Compression == BaseBackupCompression.Zstd ? "zstd" : "lz4"),
        ]);

        IReadOnlyList<StorageCopyResult> copies;
        string standardError;
        await using (var process = ToolProcess.Start(start))
        {
            try
            {
                copies = await _storages.WriteAllAsync(dataKey, process.StandardOutput, cancellationToken).ConfigureAwait(false);
                if (!copies.Any(c => c.Succeeded))
                {
                    // Before waiting for pg_basebackup: nobody reads its output any more, so it would block on a full pipe
                    // forever (a full disk hung the command). Disposing the process below stops it.
                    throw new StorageException(
                        $"Base backup {id} could not be stored anywhere: " + string.Join("; ", copies.Select(c => $"{c.Storage.Name}: {c.Error?.Message}")),
                        copies.Count > 0 ? copies[0].Error : null);
                }

                await process.WaitForSuccessAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await DeleteEverywhereAsync(dataKey).ConfigureAwait(false);
                throw;
            }

            standardError = process.GetStandardError();
        }

        var stopTime = _timeProvider.GetUtcNow();
        var good = copies.Where(c => c.Succeeded).ToList();
        var startMatch = StartPointPattern().Match(standardError);
        var stopMatch = EndPointPattern().Match(standardError);
        if (!startMatch.Success || !stopMatch.Success)
        {
            await DeleteEverywhereAsync(dataKey).ConfigureAwait(false);
            throw new ExternalToolException(
                $"pg_basebackup succeeded but did not report its WAL start and end points; base backup {id} was discarded. Its output: {standardError}");
        }

        var size = good[0].Result!.Size;
        var sha256 = good[0].Result!.Sha256;
        var tool = _options.Compression == BaseBackupCompression.Zstd ? "zstd" : "lz4";
        var wal = new BackupWalRange
        {
            StartLsn = startMatch.Groups["lsn"].Value,
            StopLsn = stopMatch.Groups["lsn"].Value,
            Timeline = uint.Parse(startMatch.Groups["tli"].Value, CultureInfo.InvariantCulture),
        };
        var manifest = new BackupManifest
        {
            Id = id.Value,
            Tier = BackupLayout.BaseTier,
            Kind = BackupKind.Base,
            Format = BackupFormat.Tar,
            Status = BackupStatus.Completed,
            Database = new NpgsqlConnectionStringBuilder(connectionString).Database ?? string.Empty,
            ServerVersion = version,
            Tool = "pg_basebackup",
            ToolVersion = toolVersion.ToString(),
            StartedAt = startTime,
            CompletedAt = stopTime,
            SizeBytes = size,
            Sha256 = sha256,
            Compression = BackupCompression.None,
            Locations = good.Select(c => c.Storage.Name).ToList(),
            Files = [new BackupFile { Name = dataName, Role = BackupFileRole.Data, SizeBytes = size, Sha256 = sha256, ContentSizeBytes = size, ContentSha256 = sha256 }],
            Content = new BackupContentOptions(),
            Tables = [],
            DumpCompression = $"{tool}, by pg_basebackup --compress=client-{tool}",
            Wal = wal,
        };

        var manifestKey = ManifestKey(id.Value);
        using (var content = new MemoryStream(BackupManifestSerializer.Serialize(manifest)))
        {
            // The manifest goes only where the data is whole: its presence means "complete".
            foreach (var copy in good)
            {
                content.Position = 0;
                await copy.Storage.WriteAsync(manifestKey, content, cancellationToken).ConfigureAwait(false);
            }
        }

        Log.BaseBackupStored(_logger, manifest.Id, manifest.SizeBytes, wal.StartLsn, wal.StopLsn, wal.Timeline);
        return manifest;
    }

    /// <summary>
    /// Lists the complete base backups (those with an intact manifest) of every storage, oldest (by start LSN) first. A manifest
    /// that is damaged (unreadable, or not matching its own SHA-256 or its storage's checksum) is left out; the window reports it.
    /// </summary>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The manifests, oldest first.</returns>
    /// <exception cref="StorageException">A storage failed.</exception>
    public async Task<IReadOnlyList<BackupManifest>> ListAsync(CancellationToken cancellationToken = default)
        => (await ScanAsync(cancellationToken).ConfigureAwait(false)).Backups;

    /// <summary>
    /// Reads every manifest of every storage: the intact ones (the first storage's copy wins), the damaged copies, and the folders
    /// that hold data but no manifest.
    /// </summary>
    /// <exception cref="StorageException">A storage failed.</exception>
    internal async Task<(IReadOnlyList<BackupManifest> Backups, IReadOnlyList<DamagedBackup> Damaged, IReadOnlyList<string> Incomplete)> ScanAsync(CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, BackupManifest>(StringComparer.Ordinal);
        var damaged = new List<DamagedBackup>();
        var folders = new SortedDictionary<string, (IStorageProvider Storage, string Key)>(StringComparer.Ordinal);
        foreach (var storage in _storages.Providers)
        {
            await foreach (var info in storage.ListAsync(Prefix, cancellationToken).ConfigureAwait(false))
            {
                var rest = info.Key[Prefix.Length..];
                var slash = rest.IndexOf('/', StringComparison.Ordinal);
                if (slash > 0)
                {
                    folders.TryAdd(rest[..slash], (storage, info.Key));
                }

                if (slash <= 0 || !string.Equals(rest[(slash + 1)..], BackupLayout.ManifestName, StringComparison.Ordinal))
                {
                    continue;
                }

                var id = rest[..slash];
                var (manifest, problem) = await ReadManifestAsync(storage, info.Key, id, cancellationToken).ConfigureAwait(false);
                if (manifest is not null)
                {
                    found.TryAdd(manifest.Id, manifest);
                }
                else if (problem is not null)
                {
                    damaged.Add(new DamagedBackup { Id = id, Kind = BackupKind.Base, Storage = storage.Name, Key = info.Key, Problem = problem });
                }
            }
        }

        var incomplete = folders.Where(f => !found.ContainsKey(f.Key) && !damaged.Any(d => d.Id == f.Key))
            .Select(f => $"{f.Value.Storage.Name} '{f.Value.Key}' has no {BackupLayout.ManifestName} beside it (a base backup being written, one that failed, or one whose manifest was deleted)")
            .ToList();
        return (BaseBackupManifests.InOrder(found.Values), damaged, incomplete);
    }

    /// <summary>Deletes a base backup from every storage: the manifest first, so that a half-done delete never looks complete.</summary>
    /// <param name="manifest">The backup.</param>
    /// <param name="cancellationToken">Cancels the deletion.</param>
    /// <returns>A task that completes when the backup is gone.</returns>
    /// <exception cref="StorageException">A storage failed.</exception>
    public async Task DeleteAsync(BackupManifest manifest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        foreach (var storage in _storages.Providers)
        {
            await storage.DeleteAsync(ManifestKey(manifest.Id), cancellationToken).ConfigureAwait(false);
            foreach (var file in manifest.Files)
            {
                await storage.DeleteAsync(BackupLayout.FileKey(BackupKind.Base, manifest.Id, file.Name), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Gets the storage key of a base backup's manifest.</summary>
    internal static string ManifestKey(string id) => BackupLayout.ManifestKey(BackupKind.Base, id);

    private static async Task<(BackupManifest? Manifest, string? Problem)> ReadManifestAsync(IStorageProvider storage, string key, string id, CancellationToken cancellationToken)
    {
        byte[] bytes;
        string? problem;
        try
        {
            (bytes, _, problem) = await StoredManifest.ReadAsync(storage, key, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageObjectNotFoundException)
        {
            return (null, null); // deleted since the listing (retention): not a backup any more
        }

        if (problem is not null)
        {
            return (null, problem);
        }

        BackupManifest manifest;
        try
        {
            // The current layout and base backup manifests of layout 2 alike (BackupManifestSerializer converts those).
            manifest = BackupManifestSerializer.Deserialize(bytes, $"{storage.Name} {key}");
        }
        catch (BackupException ex)
        {
            return (null, ex.Message);
        }

        if (!string.Equals(manifest.Id, id, StringComparison.Ordinal) || manifest.Kind != BackupKind.Base || manifest.Wal is null)
        {
            return (null, $"it describes {(manifest.Kind == BackupKind.Base ? "base backup" : "logical backup")} '{manifest.Id}', not base backup {id}: it was copied or replaced");
        }

        return (manifest, null);
    }

    private static Version ParseServerVersion(string version)
        => ToolLocator.ParseVersion("(PostgreSQL) " + version) ?? throw new PointInTimeException($"The server reported an unreadable version '{version}'.");

    private static async Task<string> GetServerVersionAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(connectionString);
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var command = new NpgsqlCommand("SELECT current_setting('server_version'), current_setting('wal_segment_size')", connection);
            await using (command.ConfigureAwait(false))
            {
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                    var segmentSize = reader.GetString(1);
                    if (!string.Equals(segmentSize, "16MB", StringComparison.Ordinal))
                    {
                        throw new PointInTimeException(
                            $"The server's wal_segment_size is {segmentSize}; point-in-time recovery supports the default 16MB only.");
                    }

                    var version = reader.GetString(0).Split(' ')[0];
                    PostgreSqlVersions.EnsureServerSupported(ParseServerVersion(version), "take a base backup of it");
                    return version;
                }
            }
        }
    }

    private async Task DeleteEverywhereAsync(string key)
    {
        foreach (var storage in _storages.Providers)
        {
            try
            {
                await storage.DeleteAsync(key, CancellationToken.None).ConfigureAwait(false);
            }
            catch (StorageException)
            {
                // Best effort: without a manifest the object is never taken for a complete backup.
            }
        }
    }

    [GeneratedRegex(@"write-ahead log start point: (?<lsn>[0-9A-F]+/[0-9A-F]+) on timeline (?<tli>\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex StartPointPattern();

    [GeneratedRegex(@"write-ahead log end point: (?<lsn>[0-9A-F]+/[0-9A-F]+)", RegexOptions.CultureInvariant)]
    private static partial Regex EndPointPattern();
}
