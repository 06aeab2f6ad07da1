namespace Inknowing.DbResilience.Email;

/// <summary>How the connection to the SMTP server is secured.</summary>
public enum EmailTransportSecurity
{
    /// <summary>Connect in plain text, then require STARTTLS before anything is sent (port 587).</summary>
    StartTls,

    /// <summary>Connect with TLS from the first byte (port 465).</summary>
    SslOnConnect,

    /// <summary>Use STARTTLS when the server offers it, plain text otherwise.</summary>
    StartTlsWhenAvailable,

    /// <summary>No encryption: only for a relay on the same host or a test server.</summary>
    None,
}
