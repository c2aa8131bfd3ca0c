package ncalayerfake_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"golang.org/x/net/websocket"

	"tenderdesk/internal/signature/ncalayerfake"
)

// The stand-in speaks NCALayer's protocol: a greeting, then an answer to
// sign; a refusal carries NCALayer's text.
func TestStandInAnswersSign(t *testing.T) {
	s := ncalayerfake.New(nil)
	defer s.Close()
	s.Refuse("Неверный пароль")
	ws, err := websocket.Dial(s.URL, "", "http://desk.test")
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	var greet string
	if err := websocket.Message.Receive(ws, &greet); err != nil || !strings.Contains(greet, "version") {
		t.Fatalf("greeting %q %v", greet, err)
	}
	req := `{"module":"kz.gov.pki.knca.basics","method":"sign","args":{"format":"cms","data":"` + base64.StdEncoding.EncodeToString([]byte("{}")) +
		`","signingParams":{"decode":true,"encapsulate":false,"digested":false}}}`
	if err := websocket.Message.Send(ws, req); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := websocket.Message.Receive(ws, &got); err != nil || !strings.Contains(got, `"status":false`) || !strings.Contains(got, "Неверный пароль") {
		t.Fatalf("answer %q %v", got, err)
	}
}
