using System.Security.Cryptography;

namespace DragVideo.Studio.Sessions;

/// <summary>
/// Server-generated identifiers (clips, runs, sessions): random lower-case hex. Nothing the client sends ever becomes a
/// path; ids are only looked up in dictionaries, and <see cref="IsWellFormed"/> rejects anything else early.
/// </summary>
public static class Ids
{
    /// <summary>Length of an id in characters.</summary>
    public const int Length = 16;

    /// <summary>A new random id (64 bits, hex).</summary>
    public static string New() => Convert.ToHexString(RandomNumberGenerator.GetBytes(Length / 2)).ToLowerInvariant();

    /// <summary>True when <paramref name="id"/> has the shape of an id this server hands out.</summary>
    public static bool IsWellFormed(string? id) =>
        id is { Length: Length } && id.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');
}
