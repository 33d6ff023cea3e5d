package cli

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"

	"github.com/spf13/pflag"
)

// tlsOpts are the TLS flags shared by the manager's listener and its
// connections to the engines (docker-machine passes the same certificates
// for both).
type tlsOpts struct {
	tls       bool
	tlsVerify bool
	caCert    string
	cert      string
	key       string
}

func (t *tlsOpts) register(f *pflag.FlagSet) {
	f.BoolVar(&t.tls, "tls", false, "use TLS; implied by --tlsverify")
	f.BoolVar(&t.tlsVerify, "tlsverify", false, "use TLS and verify the remote (clients of the API, and engines)")
	f.StringVar(&t.caCert, "tlscacert", "", "trust certificates signed by this CA")
	f.StringVar(&t.cert, "tlscert", "", "path to the TLS certificate file")
	f.StringVar(&t.key, "tlskey", "", "path to the TLS key file")
}

// configs returns the listener's and the engine client's TLS settings, or
// nils when TLS is off.
func (t *tlsOpts) configs() (server, client *tls.Config, err error) {
	if !t.tls && !t.tlsVerify {
		return nil, nil, nil
	}
	if t.cert == "" || t.key == "" {
		return nil, nil, fmt.Errorf("manage: --tls needs --tlscert and --tlskey")
	}
	pair, err := tls.LoadX509KeyPair(t.cert, t.key)
	if err != nil {
		return nil, nil, fmt.Errorf("manage: cannot load TLS certificate %s / key %s: %w", t.cert, t.key, err)
	}
	server = &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	client = &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	if t.tlsVerify {
		if t.caCert == "" {
			return nil, nil, fmt.Errorf("manage: --tlsverify needs --tlscacert")
		}
		pem, err := os.ReadFile(t.caCert)
		if err != nil {
			return nil, nil, fmt.Errorf("manage: cannot read --tlscacert: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, nil, fmt.Errorf("manage: %s holds no PEM certificate", t.caCert)
		}
		server.ClientCAs = pool
		server.ClientAuth = tls.RequireAndVerifyClientCert
		client.RootCAs = pool
	} else {
		// --tls without --tlsverify: encrypt, but do not check the engines'
		// certificates (as docker --tls does).
		client.InsecureSkipVerify = true
	}
	return server, client, nil
}
