namespace DragVideo.Studio.Api;

/// <summary>
/// Where a request comes from, judged by the headers browsers set and pages cannot forge: <c>Origin</c> and
/// <c>Sec-Fetch-Site</c>. A request without either is a non-browser client (curl, a script) and counts as same-origin.
/// </summary>
public static class RequestOrigin
{
    /// <summary>True unless the browser says the request comes from another site or origin.</summary>
    public static bool IsSameOrigin(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var headers = http.Request.Headers;
        if (headers.Origin is { Count: > 0 } origin
            && !string.Equals(origin.ToString(), $"{http.Request.Scheme}://{http.Request.Host}", StringComparison.OrdinalIgnoreCase))
            return false;
        if (headers["Sec-Fetch-Site"] is { Count: > 0 } site && site.ToString() is not ("same-origin" or "none"))
            return false;
        return true;
    }
}
