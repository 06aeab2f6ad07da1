using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Inknowing.DbResilience.DependencyInjection;

/// <summary>
/// Binds options from an <see cref="IConfiguration"/> section (appsettings, environment variables) with the configuration
/// binder's generated code, checking every key first so that every unknown key and every value of the wrong type is reported
/// at start together with the options' own validation. Extension packages use it to bind their sections the same way.
/// </summary>
public static partial class ConfigurationBinding
{
    /// <summary>The name of the configuration section the library reads by convention: <c>DbResilience</c>.</summary>
    public const string SectionName = "DbResilience";

    /// <summary>
    /// Checks every key of <paramref name="section"/> against <typeparamref name="TOptions"/> and records each key that is
    /// unknown or whose value cannot be converted; reported when the configuration is validated.
    /// </summary>
    /// <typeparam name="TOptions">The options type the section binds to.</typeparam>
    /// <param name="builder">The builder whose validation reports the problems.</param>
    /// <param name="section">The section to check.</param>
    /// <param name="bind">
    /// Binds a configuration into an instance with the given binder settings, written at the caller so that the binder's
    /// source generator sees the concrete type, for example <c>(c, o, b) =&gt; c.Bind(o, b)</c>.
    /// </param>
    /// <param name="children">Child sections that another call binds, not checked against <typeparamref name="TOptions"/>.</param>
    /// <returns>
    /// What to bind: <paramref name="section"/> itself when every key binds; otherwise a copy without the keys in error, so
    /// that the options' own validation still judges the rest and every problem is reported together.
    /// </returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static IConfiguration CheckSection<TOptions>(
        this DbResilienceBuilder builder, IConfiguration section, Action<IConfiguration, TOptions, Action<BinderOptions>> bind, params string[] children)
        where TOptions : class, new()
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(bind);
        ArgumentNullException.ThrowIfNull(children);
        var good = new List<KeyValuePair<string, string?>>();
        var ok = true;
        foreach (var (relative, value) in section.AsEnumerable(makePathsRelative: true))
        {
            if (value is null || children.Any(c => relative.Equals(c, StringComparison.OrdinalIgnoreCase)
                                                   || relative.StartsWith(c + ConfigurationPath.KeyDelimiter, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            var single = new ConfigurationBuilder().AddInMemoryCollection([new(relative, value)]).Build();
            try
            {
                bind(single, new TOptions(), static b => b.ErrorOnUnknownConfiguration = true);
                good.Add(new(relative, value));
            }
            catch (InvalidOperationException ex)
            {
                ok = false;
                builder.AddConfigurationProblem(Describe(KeyOf(section, relative), ex));
            }
        }

        return ok ? section : new ConfigurationBuilder().AddInMemoryCollection(good).Build();
    }

    /// <summary>Records a configuration problem, reported when the configuration is validated with every other one.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="problem">The problem: the key and why it is wrong, never its value.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static void AddConfigurationProblem(this DbResilienceBuilder builder, string problem)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(problem);
        var problems = (ConfigurationProblems?)builder.Services
            .FirstOrDefault(d => d.ServiceType == typeof(ConfigurationProblems))?.ImplementationInstance;
        problems?.Add(problem);
    }

    /// <summary>
    /// Records every child of <paramref name="section"/> that is not one of <paramref name="known"/> as an unknown key.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="section">The section whose children are checked.</param>
    /// <param name="known">The names of the keys and sections it may hold.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static void CheckChildren(this DbResilienceBuilder builder, IConfiguration section, params string[] known)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(known);
        foreach (var child in section.GetChildren())
        {
            if (!known.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                builder.AddConfigurationProblem(
                    $"{child.Path}: not a known setting; this section holds {string.Join(", ", known)} (see docs/configuration.md).");
            }
        }
    }

    private static string KeyOf(IConfiguration section, string relative)
        => section is IConfigurationSection s && s.Path.Length > 0 ? ConfigurationPath.Combine(s.Path, relative) : relative;

    // The binder's messages quote the value; a misplaced secret must not be echoed, so only the key and the type are kept.
    private static string Describe(string key, InvalidOperationException ex)
    {
        if (ex.Message.Contains(nameof(BinderOptions.ErrorOnUnknownConfiguration), StringComparison.Ordinal))
        {
            return $"{key}: not a known setting (see docs/configuration.md for every key).";
        }

        var type = TargetType().Match(ex.Message);
        return type.Success
            ? string.Create(CultureInfo.InvariantCulture, $"{key}: the value is not a valid {Friendly(type.Groups[1].Value)}.")
            : $"{key}: the value cannot be bound.";
    }

    private static string Friendly(string type) => type switch
    {
        "System.TimeSpan" => "time span (hh:mm:ss, or d.hh:mm:ss)",
        "System.Int32" or "System.Int64" => "whole number",
        "System.Boolean" => "boolean (true or false)",
        "System.Uri" => "URI",
        _ when type.StartsWith("Inknowing.", StringComparison.Ordinal) => type[(type.LastIndexOf('.') + 1)..] + " value",
        _ => type,
    };

    [GeneratedRegex("to type '([^']+)'", RegexOptions.CultureInvariant)]
    private static partial Regex TargetType();
}
