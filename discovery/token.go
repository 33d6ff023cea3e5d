package discovery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// EnvTokenURL names the environment variable that gives the token
// discovery service URL when neither the discovery URL nor the token.url
// option does.
const EnvTokenURL = "SWARM_DISCOVERY_URL"

// ErrNoTokenService is returned when no token discovery service URL is
// given (classic Swarm's hosted default no longer exists).
var ErrNoTokenService = errors.New("no token discovery service URL")

// tokenHTTPTimeout bounds one request to the token service.
const tokenHTTPTimeout = 10 * time.Second

var tokenPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// token is the backend of "token://<token>": the hosted-discovery HTTP
// protocol (see package tokenserver). The service URL comes from, in order:
// the discovery URL itself ("token://host:port[/prefix]/<token>", plain
// http), the token.url option, or the SWARM_DISCOVERY_URL environment
// variable. Watch polls the service (it has no watch) at most every second;
// Register posts the address with the TTL in whole seconds; Deregister
// deletes it (an extension of the protocol served by `swarm token-server`).
type token struct {
	service string // base URL, no trailing slash
	token   string
	opts    Options
	client  *http.Client
}

func newToken(u *URL, opts Options) (Backend, error) {
	tok, service := u.Hosts, ""
	if u.Path != "" {
		// token://host:port[/prefix]/<token>
		path := strings.TrimSuffix(u.Path, "/")
		i := strings.LastIndexByte(path, '/')
		tok = path[i+1:]
		prefix := ""
		if i > 0 {
			prefix = "/" + path[:i]
		}
		if u.Hosts == "" {
			return nil, fmt.Errorf("%w %q: missing service host (want token://host:port/<token>)", ErrInvalidURL, u.Raw)
		}
		service = "http://" + u.Hosts + prefix
	}
	if tok == "" {
		return nil, fmt.Errorf("%w %q: empty token (get one with `swarm create`)", ErrInvalidURL, u.Raw)
	}
	if !tokenPattern.MatchString(tok) {
		return nil, fmt.Errorf("%w %q: token %q must be 1 to 64 letters, digits, '-' or '_'", ErrInvalidURL, u.Raw, tok)
	}
	if service == "" {
		var err error
		if service, err = TokenServiceURL(opts.option("token.url")); err != nil {
			return nil, err
		}
	}
	return &token{service: service, token: tok, opts: opts, client: &http.Client{Timeout: tokenHTTPTimeout}}, nil
}

// TokenServiceURL resolves the token service URL: explicit when not empty,
// else $SWARM_DISCOVERY_URL; it must be an http or https URL.
func TokenServiceURL(explicit string) (string, error) {
	raw := explicit
	if raw == "" {
		raw = os.Getenv(EnvTokenURL)
	}
	if raw == "" {
		return "", fmt.Errorf("%w: use token://host:port/<token>, --discovery-opt token.url=http://host:port or %s", ErrNoTokenService, EnvTokenURL)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%w: token service URL %q: want http://host:port", ErrInvalidOption, raw)
	}
	return strings.TrimSuffix(raw, "/"), nil
}

func (t *token) clusterURL() string { return t.service + "/v1/clusters/" + t.token }

// Watch polls the cluster's list.
func (t *token) Watch(ctx context.Context) (<-chan Entries, <-chan error) {
	return pollWatch(ctx, t.opts.pollPeriod(), t.fetch)
}

func (t *token) fetch(ctx context.Context) (Entries, error) {
	body, err := t.do(ctx, http.MethodGet, t.clusterURL(), nil)
	if err != nil {
		return nil, err
	}
	var addrs []string
	if err := json.Unmarshal(body, &addrs); err != nil {
		return nil, fmt.Errorf("token discovery: bad answer from %s: %w", t.service, err)
	}
	return ParseEntries(addrs)
}

// Register posts addr with the TTL.
func (t *token) Register(ctx context.Context, addr string) error {
	e, err := ParseEntry(addr)
	if err != nil {
		return err
	}
	secs := int64(math.Ceil(t.opts.ttl().Seconds()))
	u := t.clusterURL() + "?ttl=" + strconv.FormatInt(secs, 10)
	_, err = t.do(ctx, http.MethodPost, u, []byte(e.String()))
	return err
}

// Deregister removes addr at once.
func (t *token) Deregister(ctx context.Context, addr string) error {
	e, err := ParseEntry(addr)
	if err != nil {
		return err
	}
	_, err = t.do(ctx, http.MethodDelete, t.clusterURL()+"/"+url.PathEscape(e.String()), nil)
	return err
}

// CreateToken asks the token service at serviceURL for a new cluster token.
func CreateToken(ctx context.Context, serviceURL string) (string, error) {
	t := &token{service: strings.TrimSuffix(serviceURL, "/"), client: &http.Client{Timeout: tokenHTTPTimeout}}
	body, err := t.do(ctx, http.MethodPost, t.service+"/v1/clusters", nil)
	if err != nil {
		return "", err
	}
	tok := strings.TrimSpace(string(body))
	if !tokenPattern.MatchString(tok) {
		return "", fmt.Errorf("token discovery: %s answered %q, not a token", t.service, tok)
	}
	return tok, nil
}

// ErrTokenService is wrapped by errors the token service answered with.
var ErrTokenService = errors.New("token discovery service error")

// ErrUnknownToken is wrapped (with ErrTokenService) when the service does not
// know the token (404).
var ErrUnknownToken = errors.New("unknown cluster token")

// do sends one request and returns the body of a 2xx answer.
func (t *token) do(ctx context.Context, method, u string, body []byte) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, fmt.Errorf("token discovery: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "text/plain")
	}
	resp, err := t.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("token discovery: %s %s: %w", method, t.service, unwrapURLError(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("token discovery: read answer: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		msg := strings.TrimSpace(string(data))
		if len(msg) > 200 || strings.Contains(msg, "\n") {
			msg = http.StatusText(resp.StatusCode)
		}
		if resp.StatusCode == http.StatusNotFound && t.token != "" {
			return nil, fmt.Errorf("%w: %w %q at %s (create one with `swarm create`)", ErrTokenService, ErrUnknownToken, t.token, t.service)
		}
		return nil, fmt.Errorf("%w: %s %s: %d %s", ErrTokenService, method, u, resp.StatusCode, msg)
	}
	return data, nil
}

// unwrapURLError drops net/http's `Get "url":` wrapper, which repeats the
// URL already in our message.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
