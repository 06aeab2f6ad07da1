namespace Inknowing.DbResilience.PostgreSql.Tools;

/// <summary>How to start one PostgreSQL tool as a child process.</summary>
internal sealed class ToolStartInfo
{
    public ToolStartInfo(string fileName)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        FileName = fileName;
    }

    /// <summary>Gets the full path of the executable.</summary>
    public string FileName { get; }

    /// <summary>Gets the arguments, passed one by one (never joined into a string). Never put a secret here.</summary>
    public List<string> Arguments { get; } = new();

    /// <summary>Gets variables added to the child's environment, such as PGPASSWORD.</summary>
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets strings that are replaced by <c>***</c> wherever they appear in captured output.</summary>
    public List<string> Secrets { get; } = new();

    /// <summary>Gets or sets the OS user to run as (through runuser) when this process is root; <see langword="null"/> runs as this user.</summary>
    public string? RunAsUser { get; set; }

    /// <summary>Gets or sets the working directory.</summary>
    public string? WorkingDirectory { get; set; }

    /// <summary>Gets or sets a value indicating whether standard input is a pipe the caller writes to.</summary>
    public bool RedirectStandardInput { get; set; }

    /// <summary>Gets the short name used in messages, such as <c>pg_dump</c>.</summary>
    public string ToolName => Path.GetFileName(FileName);
}
