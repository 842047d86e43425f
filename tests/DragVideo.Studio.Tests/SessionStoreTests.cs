using DragVideo.Studio.Api;
using DragVideo.Studio.Sessions;
using Microsoft.AspNetCore.Http;

namespace DragVideo.Studio.Tests;

public class SessionStoreTests
{
    private static string CookieOf(HttpContext http)
    {
        string header = http.Response.Headers.SetCookie.ToString();
        header.Should().Contain("httponly").And.Contain("samesite=strict");
        return header.Split(';')[0].Split('=')[1];
    }

    private static DefaultHttpContext Post(string? origin = null, string? fetchSite = null)
    {
        var http = new DefaultHttpContext();
        http.Request.Method = "POST";
        http.Request.Scheme = "http";
        http.Request.Host = new HostString("127.0.0.1:5178");
        if (origin is not null) http.Request.Headers.Origin = origin;
        if (fetchSite is not null) http.Request.Headers["Sec-Fetch-Site"] = fetchSite;
        return http;
    }

    [Fact]
    public void A_new_visitor_gets_a_strict_httponly_cookie_and_is_recognised_by_it()
    {
        using var store = new SessionStore(4);
        var first = Post("http://127.0.0.1:5178", "same-origin");
        var session = store.GetOrCreate(first);
        string id = CookieOf(first);
        id.Should().Be(session.Id);

        var again = new DefaultHttpContext();
        again.Request.Headers.Cookie = $"{SessionStore.CookieName}={id}";
        store.Find(again).Should().BeSameAs(session);
        again.Response.Headers.SetCookie.ToString().Should().BeEmpty();
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("0123456789abcdef")]
    public void An_unknown_or_malformed_cookie_gets_a_fresh_session_on_post(string cookie)
    {
        using var store = new SessionStore(4);
        var http = Post();
        http.Request.Headers.Cookie = $"{SessionStore.CookieName}={cookie}";
        store.GetOrCreate(http).Id.Should().NotBe(cookie);
    }

    [Theory]
    [InlineData("GET", null, null)]
    [InlineData("HEAD", null, null)]
    [InlineData("POST", "http://evil.example", null)]
    [InlineData("POST", null, "cross-site")]
    [InlineData("POST", null, "same-site")]
    public void Requests_other_than_a_same_origin_post_never_create_a_session(string method, string? origin, string? fetchSite)
    {
        using var store = new SessionStore(4);
        var http = Post(origin, fetchSite);
        http.Request.Method = method;
        store.Find(http).Should().BeNull();
        FluentActions.Invoking(() => store.GetOrCreate(http)).Should().Throw<StudioApiException>().Which.Status.Should().Be(403);
        store.All.Should().BeEmpty();
        http.Response.Headers.SetCookie.ToString().Should().BeEmpty();
    }

    [Fact]
    public void Cookie_less_lookups_cannot_evict_a_real_session()
    {
        using var store = new SessionStore(4);
        var real = store.GetOrCreate(Post());
        for (int i = 0; i < 10 * SessionStore.MaxSessions; i++) store.Find(new DefaultHttpContext()).Should().BeNull();
        store.All.Should().ContainSingle().Which.Should().BeSameAs(real);
    }

    [Fact]
    public void Sessions_beyond_the_cap_drop_the_least_recently_used_idle_one()
    {
        using var store = new SessionStore(4);
        var sessions = Enumerable.Range(0, SessionStore.MaxSessions + 3).Select(_ => store.GetOrCreate(Post())).ToList();
        store.All.Count.Should().Be(SessionStore.MaxSessions);
        store.All.Should().Contain(sessions[^1]).And.NotContain(sessions[0]);
    }
}
