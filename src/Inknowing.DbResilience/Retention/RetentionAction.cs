namespace Inknowing.DbResilience.Retention;

/// <summary>What retention does with one backup.</summary>
public enum RetentionAction
{
    /// <summary>The backup is kept.</summary>
    Keep,

    /// <summary>The backup is deleted from every storage.</summary>
    Delete,
}
