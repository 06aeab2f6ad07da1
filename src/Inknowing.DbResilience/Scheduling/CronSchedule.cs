using Cronos;

namespace Inknowing.DbResilience.Scheduling;

/// <summary>A cron expression read in a time zone (Cronos): the next instant after a moment, and the last one at or before it.</summary>
internal sealed class CronSchedule
{
    // Windows searched backwards for the previous instant: enough for every-minute to yearly expressions without listing
    // thousands of occurrences of a frequent one.
    private static readonly TimeSpan[] s_lookBack = [TimeSpan.FromHours(2), TimeSpan.FromDays(2), TimeSpan.FromDays(35), TimeSpan.FromDays(400), TimeSpan.FromDays(3000)];

    private readonly CronExpression _expression;
    private readonly TimeZoneInfo _zone;

    private CronSchedule(CronExpression expression, TimeZoneInfo zone, string text)
    {
        _expression = expression;
        _zone = zone;
        Text = text;
    }

    /// <summary>Gets the expression as written.</summary>
    public string Text { get; }

    /// <summary>Parses an expression of five fields, or six with seconds first.</summary>
    /// <exception cref="FormatException">The expression is not valid cron.</exception>
    public static CronSchedule Parse(string expression, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var fields = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        try
        {
            var parsed = CronExpression.Parse(expression, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
            return new CronSchedule(parsed, zone, expression);
        }
        catch (CronFormatException ex)
        {
            throw new FormatException(ex.Message, ex);
        }
    }

    /// <summary>Tries to parse an expression; returns the parser's message on failure.</summary>
    public static bool TryParse(string? expression, TimeZoneInfo zone, out CronSchedule? schedule, out string? error)
    {
        schedule = null;
        error = null;
        if (string.IsNullOrWhiteSpace(expression))
        {
            error = "it is empty";
            return false;
        }

        try
        {
            schedule = Parse(expression, zone);
            return true;
        }
        catch (FormatException ex)
        {
            error = ex.Message;
            return false;
        }
    }

    /// <summary>Returns the first instant strictly after <paramref name="after"/>, or <see langword="null"/> when there is none.</summary>
    public DateTimeOffset? Next(DateTimeOffset after) => _expression.GetNextOccurrence(after, _zone, inclusive: false);

    /// <summary>Returns the last instant at or before <paramref name="atOrBefore"/>, or <see langword="null"/> when there is none within about eight years.</summary>
    public DateTimeOffset? Previous(DateTimeOffset atOrBefore)
    {
        foreach (var window in s_lookBack)
        {
            DateTimeOffset? last = null;
            foreach (var occurrence in _expression.GetOccurrences(atOrBefore - window, atOrBefore, _zone, fromInclusive: true, toInclusive: true))
            {
                last = occurrence;
            }

            if (last is not null)
            {
                return last;
            }
        }

        return null;
    }

    /// <summary>Returns the next <paramref name="count"/> instants after <paramref name="after"/>.</summary>
    public IReadOnlyList<DateTimeOffset> NextRuns(DateTimeOffset after, int count)
    {
        var runs = new List<DateTimeOffset>(count);
        var from = after;
        while (runs.Count < count && Next(from) is { } next)
        {
            runs.Add(next);
            from = next;
        }

        return runs;
    }
}
