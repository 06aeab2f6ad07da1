namespace Inknowing.DbResilience.Storage;

/// <summary>
/// Creates files and directories that only their owner can read, whatever the process's umask: 0600 files in 0700 directories
/// (the modes PostgreSQL gives its own data directory). Backups, checksum files, local copies, staged WAL and scratch files are
/// all created through it, so that no other local account can read a database through its backups.
/// </summary>
/// <remarks>
/// The modes are given to the system call that creates the file or directory, so there is no moment at which a file exists
/// with a wider mode. A umask can only narrow them further. Existing files and directories keep their modes. On Windows the
/// modes do not apply and the files inherit the directory's access control list.
/// </remarks>
public static class PrivateFiles
{
    /// <summary>The mode of the directories the library creates: <c>0700</c> (<c>drwx------</c>).</summary>
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>The mode of the files the library creates: <c>0600</c> (<c>-rw-------</c>).</summary>
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates a directory, and any missing parent, with <see cref="DirectoryMode"/>; an existing one is left as it is.</summary>
    /// <param name="path">The directory.</param>
    /// <returns>The directory.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="IOException">The directory could not be created (a file has its name, the disk is full).</exception>
    /// <exception cref="UnauthorizedAccessException">The process may not create it.</exception>
    public static DirectoryInfo CreateDirectory(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (OperatingSystem.IsWindows())
        {
            return Directory.CreateDirectory(path);
        }

        // Directory.CreateDirectory(path, mode) gives the mode to the last directory only; its missing parents would get the
        // umask's. Create each missing one, from the top down, with the mode.
        var missing = new Stack<string>();
        for (var current = Path.GetFullPath(path); !Directory.Exists(current); current = Path.GetDirectoryName(current)!)
        {
            missing.Push(current);
            if (Path.GetDirectoryName(current) is null)
            {
                break;
            }
        }

        while (missing.TryPop(out var directory))
        {
            Directory.CreateDirectory(directory, DirectoryMode);
        }

        return new DirectoryInfo(path);
    }

    /// <summary>Opens a file for writing, creating it with <see cref="FileMode"/> when it does not exist.</summary>
    /// <param name="path">The file; its directory must exist.</param>
    /// <param name="mode">How to open it: <see cref="System.IO.FileMode.CreateNew"/> (the default) refuses an existing file.</param>
    /// <param name="options">The file options, for example <see cref="FileOptions.Asynchronous"/>.</param>
    /// <param name="bufferSize">The stream's buffer size; 0 for none.</param>
    /// <returns>The open stream, positioned at the start.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="IOException">The file exists and <paramref name="mode"/> is <see cref="System.IO.FileMode.CreateNew"/>, or it could not be created.</exception>
    /// <exception cref="UnauthorizedAccessException">The process may not create it.</exception>
    public static FileStream CreateFile(string path, System.IO.FileMode mode = System.IO.FileMode.CreateNew, FileOptions options = FileOptions.None, int bufferSize = 4096)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var stream = new FileStreamOptions
        {
            Mode = mode,
            Access = FileAccess.Write,
            Share = FileShare.None,
            Options = options,
            BufferSize = bufferSize,
        };
        if (!OperatingSystem.IsWindows())
        {
            stream.UnixCreateMode = FileMode;
        }

        return new FileStream(path, stream);
    }

    /// <summary>Writes a text file created with <see cref="FileMode"/> (UTF-8, no byte order mark), replacing an existing one's contents.</summary>
    /// <param name="path">The file; its directory must exist.</param>
    /// <param name="contents">The text.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the file is written.</returns>
    /// <exception cref="IOException">The file could not be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The process may not write it.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task WriteAllTextAsync(string path, string contents, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(contents);
        var file = CreateFile(path, System.IO.FileMode.Create, FileOptions.Asynchronous);
        await using (file.ConfigureAwait(false))
        {
            await file.WriteAsync(new System.Text.UTF8Encoding(false).GetBytes(contents), cancellationToken).ConfigureAwait(false);
        }
    }
}
