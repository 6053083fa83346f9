package client_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/idgate/idgate/client"
	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
)

// A rides backend asks whether a rider may start a ride. Against `make run`, the address is
// loopback, so plaintext is allowed; in production drop WithInsecure (TLS is the default).
func ExampleDial() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, "127.0.0.1:50051", "idg_test_local_development_bootstrap_key", client.WithInsecure())
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	access, err := c.Identity.CheckAccess(ctx, &idgatev1.CheckAccessRequest{CustomerId: "cust_…", Action: "ride_start"})
	if err != nil {
		log.Fatal(err)
	}
	if !access.Allowed {
		fmt.Println(access.RequiredAction, access.Message) // e.g. start_verification and the rider's message
	}
}
