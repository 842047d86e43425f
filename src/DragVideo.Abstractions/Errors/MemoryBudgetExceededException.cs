namespace DragVideo;

/// <summary>
/// An operation was refused before allocating because the memory it would need is over its budget (decoding a clip
/// too large for <c>VideoReadOptions.MaxDecodedBytes</c>, a mask file over its byte limit, …). Nothing was allocated.
/// </summary>
public sealed class MemoryBudgetExceededException : DragVideoException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="setting">the setting that bounds the budget or decides the size (for example <c>MaxDecodedBytes</c>).</param>
    /// <param name="requiredBytes">bytes the operation would need.</param>
    /// <param name="budgetBytes">bytes allowed.</param>
    /// <param name="message">one line for the user, naming what to change.</param>
    public MemoryBudgetExceededException(string setting, long requiredBytes, long budgetBytes, string message) : base(message)
    {
        Setting = setting;
        RequiredBytes = requiredBytes;
        BudgetBytes = budgetBytes;
    }

    /// <summary>The setting that bounds the budget or decides the size.</summary>
    public string Setting { get; }

    /// <summary>Bytes the operation would need.</summary>
    public long RequiredBytes { get; }

    /// <summary>Bytes allowed.</summary>
    public long BudgetBytes { get; }

    /// <summary>Formats a byte count for messages (MiB below 1 GiB, GiB above, one decimal).</summary>
    public static string FormatBytes(long bytes) => bytes >= 1L << 30
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.0} GiB")
        : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0.0} MiB");
}
