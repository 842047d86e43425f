using System.Collections.Concurrent;
using DragVideo.Studio.Api;

namespace DragVideo.Studio.Sessions;

/// <summary>
/// Browser sessions keyed by an HttpOnly, SameSite=Strict cookie holding a server-generated id.
/// </summary>
public sealed class SessionStore : IDisposable
{
    /// <summary>The session cookie's name.</summary>
    public const string CookieName = "dragvideo_studio";

    /// <summary>Sessions kept; beyond this the least recently used idle one is dropped (with its clips).</summary>
    public const int MaxSessions = 64;

    private readonly ConcurrentDictionary<string, StudioSession> _sessions = new(StringComparer.Ordinal);
    private readonly int _maxClips;

    /// <summary>Creates the store.</summary>
    public SessionStore(int maxClipsPerSession) => _maxClips = maxClipsPerSession;

    /// <summary>The sessions (for shutdown).</summary>
    public IReadOnlyCollection<StudioSession> All => _sessions.Values.ToList();

    /// <summary>The caller's session from its cookie (marked as used), or null: lookups never create anything.</summary>
    public StudioSession? Find(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.Request.Cookies.TryGetValue(CookieName, out var id) && Ids.IsWellFormed(id)
            && _sessions.TryGetValue(id!, out var existing))
        {
            existing.Touch();
            return existing;
        }
        return null;
    }

    /// <summary>
    /// The caller's session, created (and the cookie set) when it has none or an unknown one. Only a same-origin POST
    /// may create a session (<see cref="RequestOrigin.IsSameOrigin"/>), so requests another site's page can make
    /// (<c>&lt;img&gt;</c> GETs, cross-site form posts) never create sessions or push real ones out.
    /// </summary>
    /// <exception cref="StudioApiException">403 when the request is not a same-origin POST.</exception>
    public StudioSession GetOrCreate(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (Find(http) is { } existing) return existing;
        if (!HttpMethods.IsPost(http.Request.Method) || !RequestOrigin.IsSameOrigin(http))
            throw new StudioApiException(403, "forbidden-origin", "Sessions are only started by this page's own POST requests.");
        var session = new StudioSession(Ids.New(), _maxClips);
        _sessions[session.Id] = session;
        EvictIdleSessions();
        http.Response.Cookies.Append(CookieName, session.Id, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Path = "/",
            IsEssential = true,
        });
        return session;
    }

    private void EvictIdleSessions()
    {
        while (_sessions.Count > MaxSessions)
        {
            var victim = _sessions.Values.Where(s => s.ActiveRun is null).OrderBy(s => s.LastSeen).FirstOrDefault();
            if (victim is null || !_sessions.TryRemove(victim.Id, out _)) return;
            victim.Dispose();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var s in _sessions.Values) s.Dispose();
        _sessions.Clear();
    }
}
