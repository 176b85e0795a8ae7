from hailong.config.manage import main

main()
