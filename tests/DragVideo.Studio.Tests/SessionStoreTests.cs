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

    [Fact]
    public void A_new_visitor_gets_a_strict_httponly_cookie_and_is_recognised_by_it()
    {
        using var store = new SessionStore(4);
        var first = new DefaultHttpContext();
        var session = store.GetOrCreate(first);
        string id = CookieOf(first);
        id.Should().Be(session.Id);

        var again = new DefaultHttpContext();
        again.Request.Headers.Cookie = $"{SessionStore.CookieName}={id}";
        store.GetOrCreate(again).Should().BeSameAs(session);
        again.Response.Headers.SetCookie.ToString().Should().BeEmpty();
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("0123456789abcdef")]
    public void An_unknown_or_malformed_cookie_gets_a_fresh_session(string cookie)
    {
        using var store = new SessionStore(4);
        var http = new DefaultHttpContext();
        http.Request.Headers.Cookie = $"{SessionStore.CookieName}={cookie}";
        store.GetOrCreate(http).Id.Should().NotBe(cookie);
    }

    [Fact]
    public void Sessions_beyond_the_cap_drop_the_least_recently_used_idle_one()
    {
        using var store = new SessionStore(4);
        var sessions = Enumerable.Range(0, SessionStore.MaxSessions + 3).Select(_ => store.GetOrCreate(new DefaultHttpContext())).ToList();
        store.All.Count.Should().Be(SessionStore.MaxSessions);
        store.All.Should().Contain(sessions[^1]).And.NotContain(sessions[0]);
    }
}
