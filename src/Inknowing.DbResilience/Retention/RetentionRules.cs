namespace Inknowing.DbResilience.Retention;

/// <summary>
/// The grandfather-father-son rules: how many days, ISO weeks and months keep their newest backup, and how long a
/// backup without a manifest counts as still running. Periods are computed in UTC.
/// </summary>
public sealed class RetentionRules
{
    /// <summary>Gets or sets how many of the newest days that have a backup keep their newest backup. The default value is 7.</summary>
    public int Daily { get; set; } = 7;

    /// <summary>Gets or sets how many of the newest ISO weeks that have a backup keep their newest backup. The default value is 4.</summary>
    public int Weekly { get; set; } = 4;

    /// <summary>Gets or sets how many of the newest months that have a backup keep their newest backup. The default value is 12.</summary>
    public int Monthly { get; set; } = 12;

    /// <summary>
    /// Gets or sets how many of the newest restorable base backups retention keeps (with every newer one, and all the WAL from
    /// the oldest kept one's start on); older base backups and the WAL only they need are deleted. Applies when point-in-time
    /// recovery is enabled; at least 1. The default value is 7.
    /// </summary>
    public int BaseBackups { get; set; } = 7;

    /// <summary>
    /// Gets or sets how long after its start a backup without a manifest is considered still running and kept; after that it is
    /// incomplete (killed or failed) and deleted. The default value is 1 day.
    /// </summary>
    public TimeSpan RunningGracePeriod { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Lists what is wrong with these rules, each problem naming the property to fix.</summary>
    /// <returns>The problems; empty when the rules are valid.</returns>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Daily < 0 || Weekly < 0 || Monthly < 0)
        {
            problems.Add("RetentionRules.Daily, Weekly and Monthly must not be negative.");
        }

        if (Daily + Weekly + Monthly == 0)
        {
            problems.Add("RetentionRules keep nothing (Daily, Weekly and Monthly are all 0): keep at least one daily backup.");
        }

        if (BaseBackups < 1)
        {
            problems.Add("RetentionRules.BaseBackups must be at least 1: the newest restorable base backup is always kept.");
        }

        if (RunningGracePeriod <= TimeSpan.Zero)
        {
            problems.Add("RetentionRules.RunningGracePeriod must be positive (longer than the longest backup).");
        }

        return problems;
    }
}
