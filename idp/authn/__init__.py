"""How a person proves who they are: passwords, sessions, and (later) OTP, devices, PSC."""
