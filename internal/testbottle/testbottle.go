// Package testbottle holds what tests need to stand up bottles; its
// agent command is the one program inside a test bottle's image.
package testbottle

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
)

// WriteDockerContext stores a docker context in configDir the way the
// docker CLI does: meta.json under the sha256 of the context's name.
func WriteDockerContext(configDir, name, host string) error {
	sum := sha256.Sum256([]byte(name))
	dir := filepath.Join(configDir, "contexts", "meta", hex.EncodeToString(sum[:]))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	meta := fmt.Sprintf(`{"Name":%q,"Metadata":{},"Endpoints":{"docker":{"Host":%q,`+
		`"SkipTLSVerify":false}}}`, name, host)
	return os.WriteFile(filepath.Join(dir, "meta.json"), []byte(meta), 0o644)
}
