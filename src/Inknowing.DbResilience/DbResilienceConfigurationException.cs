namespace Inknowing.DbResilience;

/// <summary>
/// Thrown when the configuration is incomplete or invalid. Lists every problem at once, each naming the call that fixes it.
/// </summary>
/// <remarks>The command-line tool exits with code 2 for this exception.</remarks>
public sealed class DbResilienceConfigurationException : DbResilienceException
{
    /// <summary>Initializes a new instance of the <see cref="DbResilienceConfigurationException"/> class.</summary>
    public DbResilienceConfigurationException()
        : this(Array.Empty<string>())
    {
    }

    /// <summary>Initializes a new instance of the <see cref="DbResilienceConfigurationException"/> class with one problem.</summary>
    /// <param name="message">The problem and how to fix it.</param>
    public DbResilienceConfigurationException(string message)
        : this(new[] { message })
    {
    }

    /// <summary>Initializes a new instance of the <see cref="DbResilienceConfigurationException"/> class with one problem and its cause.</summary>
    /// <param name="message">The problem and how to fix it.</param>
    /// <param name="innerException">The exception that revealed the problem.</param>
    public DbResilienceConfigurationException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Errors = new[] { message };
    }

    /// <summary>Initializes a new instance of the <see cref="DbResilienceConfigurationException"/> class with every problem found.</summary>
    /// <param name="errors">The problems, each saying how to fix it.</param>
    public DbResilienceConfigurationException(IEnumerable<string> errors)
        : this(Materialize(errors))
    {
    }

    private DbResilienceConfigurationException(string[] errors)
        : base(Format(errors))
    {
        Errors = errors;
    }

    /// <summary>Gets every configuration problem found, each naming the call or setting that fixes it.</summary>
    public IReadOnlyList<string> Errors { get; }

    private static string[] Materialize(IEnumerable<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        return errors.ToArray();
    }

    private static string Format(string[] errors) => errors.Length switch
    {
        0 => "The DbResilience configuration is invalid.",
        1 => errors[0],
        _ => "The DbResilience configuration has " + errors.Length + " problems:" + Environment.NewLine
            + string.Join(Environment.NewLine, errors.Select(e => "  - " + e)),
    };
}
