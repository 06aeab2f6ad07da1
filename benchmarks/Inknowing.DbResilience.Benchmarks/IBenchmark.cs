namespace Inknowing.DbResilience.Benchmarks;

/// <summary>One benchmark of the harness: measures an operation of the library against the raw PostgreSQL tools and the peers.</summary>
internal interface IBenchmark
{
    /// <summary>Gets the name given on the command line, such as <c>migrations</c>.</summary>
    string Name { get; }

    /// <summary>Gets what is measured, against what.</summary>
    string Description { get; }

    /// <summary>Runs the benchmark and prints its figures and ratios.</summary>
    Task RunAsync(CancellationToken cancellationToken);
}
