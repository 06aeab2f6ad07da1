namespace Inknowing.DbResilience.Backups;

/// <summary>Receives the files of a backup from an <see cref="IBackupTarget"/> and streams them into every storage.</summary>
public interface IBackupFileSink
{
    /// <summary>Streams one file through hashing, compression and encryption into every storage.</summary>
    /// <param name="fileName">The file name, such as <c>data.dump</c>; compression may add a suffix.</param>
    /// <param name="role">What the file holds.</param>
    /// <param name="content">The tool's output; read once, to its end.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the file is stored.</returns>
    /// <exception cref="BackupException">No storage could store the file.</exception>
    Task WriteFileAsync(string fileName, BackupFileRole role, Stream content, CancellationToken cancellationToken = default);
}
