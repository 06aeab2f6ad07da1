using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.Restore;

namespace Inknowing.DbResilience.PostgreSql.Restore;

/// <summary>Turns a backup manifest into what a restore strategy reads: the decoded content and its SHA-256 from the manifest.</summary>
internal static class RestoreSources
{
    public static RestoreSource FromManifest(BackupManifest manifest, IBackupService backups)
    {
        var data = manifest.GetDataFile();
        var globals = manifest.Files.FirstOrDefault(f => f.Role == BackupFileRole.Globals);
        return new RestoreSource
        {
            BackupId = manifest.Id,
            Format = manifest.Kind == BackupKind.Base ? RestoreSourceFormat.BaseBackup : manifest.Format switch
            {
                BackupFormat.Directory => RestoreSourceFormat.DirectoryTar,
                BackupFormat.Plain => RestoreSourceFormat.Plain,
                _ => RestoreSourceFormat.Custom,
            },
            Sha256 = data.ContentSha256,
            SizeBytes = data.ContentSizeBytes,
            SourceDatabase = manifest.Database,
            CompletedAt = manifest.CompletedAt,
            OpenAsync = cancellationToken => backups.OpenContentAsync(manifest, data, cancellationToken),
            Globals = globals is null ? null : new RestoreSource
            {
                BackupId = manifest.Id,
                Format = RestoreSourceFormat.Plain,
                Sha256 = globals.ContentSha256,
                SizeBytes = globals.ContentSizeBytes,
                OpenAsync = cancellationToken => backups.OpenContentAsync(manifest, globals, cancellationToken),
            },
            Tables = manifest.Tables.Select(t => new TableName(t.Schema, t.Name)).ToList(),
            SchemasToCreate = manifest.Content.Tables.Count == 0 ? [] : manifest.Tables.Where(t => t.DataIncluded && t.Schema != "public").Select(t => t.Schema).Distinct(StringComparer.Ordinal).ToList(),
            TableRowCounts = manifest.Tables.Where(t => t.DataIncluded)
                .ToDictionary(t => new TableName(t.Schema, t.Name).Quoted, t => t.Rows, StringComparer.Ordinal),
        };
    }
}
