namespace Inknowing.DbResilience.PostgreSql;

/// <summary>Thrown when a PostgreSQL tool (pg_dump, pg_restore, initdb, ...) fails or cannot be found.</summary>
/// <remarks>The message holds the tool, its exit code and the tail of its standard error, with secrets removed.</remarks>
public sealed class ExternalToolException : DbResilienceException
{
    /// <summary>Initializes a new instance of the <see cref="ExternalToolException"/> class.</summary>
    public ExternalToolException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ExternalToolException"/> class with a message.</summary>
    /// <param name="message">What failed.</param>
    public ExternalToolException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ExternalToolException"/> class with a message and a cause.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The cause.</param>
    public ExternalToolException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ExternalToolException"/> class for a tool that exited with an error.</summary>
    /// <param name="toolName">The tool's file name, for example <c>pg_dump</c>.</param>
    /// <param name="exitCode">Its exit code.</param>
    /// <param name="standardErrorTail">The end of what it wrote to standard error, secrets removed.</param>
    public ExternalToolException(string toolName, int exitCode, string standardErrorTail)
        : base(Describe(toolName, exitCode, standardErrorTail))
    {
        ToolName = toolName;
        ExitCode = exitCode;
        StandardErrorTail = standardErrorTail;
    }

    /// <summary>Gets the tool's file name, for example <c>pg_dump</c>.</summary>
    public string? ToolName { get; }

    /// <summary>Gets the tool's exit code, or <see langword="null"/> when it did not run.</summary>
    public int? ExitCode { get; }

    /// <summary>Gets the end of what the tool wrote to standard error, with secrets removed.</summary>
    public string? StandardErrorTail { get; }

    private static string Describe(string toolName, int exitCode, string standardErrorTail)
    {
        var tail = string.IsNullOrWhiteSpace(standardErrorTail) ? "(it wrote nothing to standard error)" : standardErrorTail.Trim();
        return $"{toolName} exited with code {exitCode}: {tail}";
    }
}
