using Inknowing.DbResilience.Storage;

namespace Inknowing.DbResilience.Backups;

/// <summary>One backup's folder as found in storage: its keys per storage, its intact manifest (if any) and its damaged copies.</summary>
internal sealed class BackupFolder(string id, BackupKind kind)
{
    public string Id { get; } = id;

    public BackupKind Kind { get; } = kind;

    public Dictionary<IStorageProvider, List<string>> Keys { get; } = new(ReferenceEqualityComparer.Instance);

    public BackupManifest? Manifest { get; set; }

    /// <summary>Gets or sets a value indicating whether manifests exist but none could be trusted.</summary>
    public bool Unreadable { get; set; }

    public List<DamagedBackup> Damaged { get; } = [];
}
